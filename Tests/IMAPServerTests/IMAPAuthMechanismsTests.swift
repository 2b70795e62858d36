import Foundation
import HatoTesting
import IMAPServer
import MailCore
import MailStore
import SASL
import Testing

/// IMAP AUTHENTICATE uses the configured mechanism list like SMTP and POP3 (issue #5):
/// CRAM-MD5 appears only when configured and works only for accounts that opted in
/// (`hato account passwd --allow-cram-md5`); others fail exactly like a wrong password.
@Suite struct IMAPAuthMechanismsTests {
    @Test func cramMD5OnlyWhenConfiguredAndOnlyForAccountsThatOptedIn() async throws {
        let plain = try await IMAPFixture.make()
        var fixture = try await IMAPFixture.make()
        try await fixture.store.addAccount(
            try EmailAddress("bob@example.test"),
            credentials: try Account.deriveCredentials(password: IMAPFixture.password, iterations: 4096), quota: .unlimited)
        try await fixture.store.setCredentials(
            try EmailAddress(IMAPFixture.user), credentials: try Account.deriveCredentials(password: IMAPFixture.password, iterations: 4096),
            cramMD5: CRAMMD5Credentials.derive(password: IMAPFixture.password))
        var configuration = fixture.server.configuration
        configuration.sasl = SASLPolicy(mechanisms: SASLPolicy.defaultMechanisms + [.cramMD5])
        fixture = IMAPFixture(directory: fixture.directory, store: fixture.store, account: fixture.account, inbox: fixture.inbox,
                              server: IMAPServer(configuration: configuration, store: fixture.store))
        let without = try await TestListener.start(plain.server, name: "imap")
        let with = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys
            without, with_, pw = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
            def cram(port, user, password):
                M = imaplib.IMAP4("127.0.0.1", port)
                try: return M.login_cram_md5(user, password)[0]
                except imaplib.IMAP4.error as e: return str(e)
            print("AUTH=CRAM-MD5" in imaplib.IMAP4("127.0.0.1", without).capabilities)
            print("AUTH=CRAM-MD5" in imaplib.IMAP4("127.0.0.1", with_).capabilities)
            print(cram(with_, "alice@example.test", pw))
            print(cram(with_, "bob@example.test", pw))
            print(cram(with_, "alice@example.test", "wrong"))
            """, arguments: ["\(without.port)", "\(with.port)", IMAPFixture.password])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(result.stdout) \(result.stderr)")
        #expect(Array(lines.prefix(3)) == ["False", "True", "OK"], "\(result.stdout) \(result.stderr)")
        if lines.count == 5 {
            #expect(lines[3].contains("AUTHENTICATIONFAILED"), "\(lines[3])")
            #expect(lines[3] == lines[4], "an account without the opt-in fails like a wrong password")
        }
        try await without.stop()
        try await with.stop()
        try await plain.store.close()
        try await fixture.store.close()
    }
}
