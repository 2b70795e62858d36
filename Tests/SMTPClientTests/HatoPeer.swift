import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import SMTPProtocol
import SMTPServer

/// Hato's own SMTP server in-process on 127.0.0.1 port 0: example.test with alice and bob, the
/// listener's certificate signed by a test CA the client can trust.
struct HatoPeer {
    static let password = "correct horse battery"
    let directory: TemporaryDirectory
    let store: SQLiteMailStore
    let listener: TestListener
    let ca: TestCertificateAuthority

    static func start(profile: SMTPProfile, implicitTLS: Bool = false, maxMessageSize: Int = 1_000_000) async throws -> HatoPeer {
        let directory = try TemporaryDirectory(prefix: "hato-client-peer")
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        let credentials = try Account.deriveCredentials(password: password, iterations: 4096)
        try await store.addAccount(try EmailAddress("alice@example.test"), credentials: credentials, quota: .unlimited)
        try await store.addAccount(try EmailAddress("bob@example.test"), credentials: credentials, quota: .unlimited)
        // loopbackIsSecure off: 127.0.0.1 is treated like a remote client (AUTH only after TLS).
        let configuration = SMTPConfiguration(
            hostname: "mail.example.test", profile: profile, limits: SMTPLimits(maxMessageSize: maxMessageSize), loopbackIsSecure: false)
        let listener = try await TestListener.start(
            SMTPServer(configuration: configuration, store: store), name: "client-\(profile.rawValue)", implicitTLS: implicitTLS)
        let ca = try TestCertificateAuthority()
        listener.tls.replace(with: try ca.serverContext())
        return HatoPeer(directory: directory, store: store, listener: listener, ca: ca)
    }

    var port: Int { listener.port }

    func inbox(_ address: String) async throws -> [String] {
        guard let account = try await store.account(try EmailAddress(address)),
              let inbox = try await store.mailbox(of: account.id, named: "INBOX") else { return [] }
        var result: [String] = []
        for message in try await store.messages(in: inbox.id) {
            result.append(String(decoding: try await store.readBody(message.body), as: UTF8.self))
        }
        return result
    }

    func stop() async throws {
        try await listener.stop()
        try await store.close()
    }
}
