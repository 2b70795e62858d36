import DNSClient
import DNSMessage
import Foundation
import HatoTesting
import MailAuth
import MailCore
import MailStore
import MailStoreSQLite
import Reception
import RiskAssessment
import SMTPProtocol
import SMTPServer

/// The spam controls' test setup: the test DNS server with the RFC 5782 §5 test entries
/// (127.0.0.2 listed, 127.0.0.1 not; `test` listed in the URI list, `invalid` not), and an MX
/// listener whose spam stages are built over the fixture's own store.
enum SpamTestDNS {
    static let zone = """
        2.0.0.127.bl.test.      300 A 127.0.0.2
        2.0.0.127.bl.test.      300 TXT "RFC 5782 test point"
        2.0.0.127.wl.test.      300 A 127.0.0.2
        2.0.0.127.err.test.     300 A 127.255.255.254
        test.uri.test.          300 A 127.0.0.2
        good.test.              300 TXT "v=spf1 ip4:127.0.0.0/8 -all"
        """

    static func start() async throws -> (TestDNSServer, DNSClient) {
        let dns = try await TestDNSServer.start(zoneText: zone)
        let resolver = DNSClient(configuration: DNSClientConfiguration(servers: [DNSServer(parsing: dns.address)!], timeout: .seconds(20)))
        return (dns, resolver)
    }

    static func zone(_ name: String, _ kind: BlocklistZone.Kind, weight: Double = 4, action: BlocklistZone.Action = .score) -> BlocklistZone {
        BlocklistZone(zone: try! DNSName(name), kind: kind, weight: weight, action: action)
    }
}

/// Counts what the stages count, for assertions.
final class RecordingCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    var counters: ReceptionCounters {
        ReceptionCounters { [self] name, labels in
            let key = name + "{" + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
            lock.withLock { counts[key, default: 0] += 1 }
        }
    }

    subscript(_ key: String) -> Int { lock.withLock { counts[key] ?? 0 } }
}

extension SMTPFixture {
    /// An MX (or submission) listener like `start`, with stages made over the fixture's store
    /// (greylisting and the risk stage need it).
    static func start(profile: SMTPProfile = .mx, spf: SPFPolicy? = nil, inbound: InboundAuthenticationPolicy? = nil,
                      stages: (SQLiteMailStore) -> [any ReceptionStage]) async throws -> SMTPFixture {
        let directory = try TemporaryDirectory(prefix: "hato-spam")
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        let credentials = try Account.deriveCredentials(password: password, iterations: 4096)
        let alice = try await store.addAccount(try EmailAddress("alice@example.test"), credentials: credentials, quota: .unlimited)
        try await store.addAccount(try EmailAddress("bob@example.test"), credentials: credentials, quota: .unlimited)
        try await store.addAlias(Alias(source: try AliasSource("postmaster@example.test"), targets: [try EmailAddress("alice@example.test")]))
        var configuration = SMTPConfiguration(hostname: "mail.example.test", profile: profile)
        configuration.spf = spf
        configuration.inboundAuthentication = inbound
        let server = SMTPServer(configuration: configuration, store: store, extraStages: stages(store))
        let listener = try await TestListener.start(server, name: profile.rawValue, implicitTLS: false, maxPerIP: 50)
        return SMTPFixture(directory: directory, store: store, listener: listener, alice: alice, server: server)
    }

    /// The risk stage delivering every verdict (so the stored message shows its Hato-Risk).
    static func riskStage(_ store: SQLiteMailStore) -> RiskStage {
        var policy = RiskStagePolicy(assessor: RiskAssessor(suffixes: .defaultRuleOnly))
        policy.dispositions = [.clean: .deliver, .suspicious: .deliver, .phishing: .deliver, .spam: .deliver]
        policy.recordCorrespondents = false
        return RiskStage(policy: policy, store: store)
    }

    /// A raw dialog from `source` (any 127.0.0.0/8 address is this host's loopback): `say(line)`
    /// sends a command and prints the whole reply; the greeting is printed first.
    func dialog(from source: String = "127.0.0.1", _ script: String) async throws -> String {
        let result = try await Python.run("""
            import socket, ssl, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60, source_address=(sys.argv[2], 0))
            f = s.makefile("rb")
            def hear():
                lines = []
                while True:
                    line = f.readline().decode().rstrip("\\r\\n")
                    lines.append(line)
                    if len(line) < 4 or line[3] != "-": return lines[-1] if len(lines) > 1 else lines[0]
            def say(line):
                s.sendall(line.encode() + b"\\r\\n")
                print(hear())
            def starttls():
                global s, f
                say("STARTTLS")
                context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
                s = context.wrap_socket(s, server_hostname="mail.example.test"); f = s.makefile("rb")
            print(hear())

            """ + script, arguments: [port, source])
        return result.stdout + result.stderr
    }
}

/// A short MX dialog for one message: the replies to EHLO (last line), MAIL, RCPT, DATA and the
/// end of data, or up to the first refusal.
let deliverScript = """
    say("EHLO client.remote.test")
    say("MAIL FROM:<friend@remote.test>")
    say("RCPT TO:<alice@example.test>")
    say("DATA")
    s.sendall(b"From: friend@remote.test\\r\\nSubject: hello\\r\\n\\r\\nsee http://test/ and http://invalid/ now\\r\\n.\\r\\n")
    print(hear())
    say("QUIT")
    """

/// A wall clock the tests move by hand (greylisting, rate limits): nothing sleeps.
final class SpamClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_800_000_000)

    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { [self] in self.now } }
}
