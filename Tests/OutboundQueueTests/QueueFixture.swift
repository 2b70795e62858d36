import DNSMessage
import Foundation
import HatoTesting
import Logging
import MailCore
import MailStore
import MailStoreSQLite
import OutboundQueue
import Synchronization

/// A manual clock: the scheduler's "now", moved forward by the test.
final class TestClock: Sendable {
    private let time = Mutex(Date())
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A fresh store with example.test and alice@example.test, a zone for the remote domains, and a
/// runner over a scripted transport.
struct QueueFixture {
    static let hostname = "mail.example.test"
    static let zone = """
        remote.test. 300 IN MX 10 mx1.remote.test.
        remote.test. 300 IN MX 20 mx2.remote.test.
        mx1.remote.test. 300 IN A 192.0.2.1
        mx2.remote.test. 300 IN A 192.0.2.2
        other.test. 300 IN MX 10 mx.other.test.
        mx.other.test. 300 IN AAAA 2001:db8::25
        mx.other.test. 300 IN A 192.0.2.25
        plain.test. 300 IN A 192.0.2.80
        nullmx.test. 300 IN MX 0 .
        nothing.test. 300 IN TXT "no mail here"
        """

    let directory: TemporaryDirectory
    let store: SQLiteMailStore
    let alice = try! EmailAddress("alice@example.test")
    let clock = TestClock()

    init() async throws {
        directory = try TemporaryDirectory(prefix: "hato-queue")
        store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        _ = try await store.addAccount(alice, credentials: try Account.deriveCredentials(password: "alice password"), quota: .unlimited)
    }

    func resolver(failures: [StaticResolver.Query: StaticResolver.Failure] = [:]) throws -> StaticResolver {
        var resolver = try StaticResolver(zoneText: Self.zone)
        resolver.failures = failures
        return resolver
    }

    func runner(_ transport: any DeliveryTransport, configuration: OutboundConfiguration? = nil,
                resolver: (any DNSResolving)? = nil) throws -> QueueRunner {
        let configuration = configuration ?? OutboundConfiguration(hostname: Self.hostname)
        let router = DeliveryRouter(resolver: try resolver ?? self.resolver(), mxPort: configuration.mxPort, relay: configuration.relay,
                                    hostname: configuration.hostname)
        let clock = self.clock
        var logger = Logger(label: "test.queue")
        logger.logLevel = .critical
        return QueueRunner(store: store, transport: transport, router: router, configuration: configuration, logger: logger,
                           now: { clock.now })
    }

    static func message(_ subject: String, from: String = "alice@example.test") -> [UInt8] {
        Array("From: \(from)\r\nTo: someone@remote.test\r\nSubject: \(subject)\r\nMessage-ID: <\(UUID())@example.test>\r\n\r\nbody of \(subject)\r\n".utf8)
    }

    @discardableResult
    func enqueue(_ subject: String, to recipients: [String], from: String? = "alice@example.test", notify: DSNNotify? = nil,
                 ret: String? = nil, envid: String? = nil) async throws -> QueueMessageID {
        try await store.enqueue(OutboundMessage(
            bytes: Self.message(subject), mailFrom: try from.map { try EmailAddress($0) },
            recipients: try recipients.map { QueuedRecipient(address: try EmailAddress($0), dsn: DSNRequest(notify: notify, originalRecipient: OriginalRecipient(addressType: "rfc822", address: $0)),
                                                             nextAttempt: clock.now) },
            envelopeID: envid, returnContent: ret))
    }

    /// The messages in alice's INBOX, as text.
    func inbox() async throws -> [String] {
        let account = try await store.account(alice)!
        let inbox = try await store.mailbox(of: account.id, named: Mailbox.inbox)!
        var texts: [String] = []
        for message in try await store.messages(in: inbox.id) {
            texts.append(String(decoding: try await store.readBody(message.body), as: UTF8.self))
        }
        return texts
    }
}
