import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import SMTPProtocol
import Reception
import SMTPServer

/// A store with example.test (alice, bob, an alias, a full mailbox) and an SMTP listener.
struct SMTPFixture {
    static let password = "correct horse battery"
    let directory: TemporaryDirectory
    let store: SQLiteMailStore
    let listener: TestListener
    let alice: Account
    let server: SMTPServer

    static func start(profile: SMTPProfile, implicitTLS: Bool = false, loopbackIsSecure: Bool = true,
                      maxMessageSize: Int = 1_000_000, maxRecipients: Int = 100, maxPerIP: Int = 50,
                      spf: SPFPolicy? = nil, timeouts: (command: Duration, data: Duration)? = nil, dataPhaseTimeout: Duration? = nil,
                      inbound: InboundAuthenticationPolicy? = nil, extraStages: [any ReceptionStage] = [],
                      spool: MessageSpoolPolicy? = nil, processingGate: MessageProcessingGate? = nil) async throws -> SMTPFixture {
        let directory = try TemporaryDirectory(prefix: "hato-smtp")
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        let credentials = try Account.deriveCredentials(password: password, iterations: 4096)
        let alice = try await store.addAccount(try EmailAddress("alice@example.test"), credentials: credentials, quota: .unlimited)
        try await store.addAccount(try EmailAddress("bob@example.test"), credentials: credentials, quota: .unlimited)
        try await store.addAccount(try EmailAddress("full@example.test"), credentials: credentials, quota: Quota(maxMessages: 0))
        try await store.addAlias(Alias(source: try AliasSource("sales@example.test"), targets: [try EmailAddress("alice@example.test")]))
        var configuration = SMTPConfiguration(
            hostname: "mail.example.test", profile: profile,
            limits: SMTPLimits(maxMessageSize: maxMessageSize, maxRecipients: maxRecipients), loopbackIsSecure: loopbackIsSecure)
        configuration.spf = spf
        configuration.inboundAuthentication = inbound
        configuration.spool = spool
        configuration.processingGate = processingGate
        if let timeouts {
            // Below the RFC floors the initialiser enforces, so tests need not wait minutes.
            configuration.limits.commandTimeout = timeouts.command
            configuration.limits.dataTimeout = timeouts.data
        }
        if let dataPhaseTimeout { configuration.limits.dataPhaseTimeout = dataPhaseTimeout }
        let server = SMTPServer(configuration: configuration, store: store, extraStages: extraStages)
        let listener = try await TestListener.start(server, name: profile.rawValue, implicitTLS: implicitTLS, maxPerIP: maxPerIP)
        return SMTPFixture(directory: directory, store: store, listener: listener, alice: alice, server: server)
    }

    var port: String { "\(listener.port)" }

    func inbox(_ address: String) async throws -> [String] {
        try await inboxBytes(address).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The stored messages exactly as bytes (8-bit content that is not UTF-8 included).
    func inboxBytes(_ address: String) async throws -> [Data] {
        guard let account = try await store.account(try EmailAddress(address)),
              let inbox = try await store.mailbox(of: account.id, named: "INBOX") else { return [] }
        var result: [Data] = []
        for message in try await store.messages(in: inbox.id) {
            result.append(Data(try await store.readBody(message.body)))
        }
        return result
    }

    func stop() async throws {
        try await listener.stop()
        try await store.close()
    }
}

/// Python prelude for raw-socket dialogs: `say(bytes)` sends, `hear()` reads one whole reply.
let rawDialog = """
    import socket, ssl, sys
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    f = s.makefile("rb")
    def hear():
        lines = []
        while True:
            line = f.readline().decode().rstrip("\\r\\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-": return " | ".join(lines)
    def say(data): s.sendall(data)
    print(hear())

    """
