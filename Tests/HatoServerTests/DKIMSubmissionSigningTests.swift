import DNSMessage
import Foundation
import HatoServer
import HatoTesting
import MailAuth
import MailCore
import MailStore
import MailStoreSQLite
import Reception
import SMTPServer
import Testing

/// Mail submitted by an authenticated user is DKIM-signed with the From domain's active keys
/// before it is stored or queued; dkimpy verifies the stored copy against the TXT records
/// `hato dkim keygen` prints, served by the test DNS server.
@Suite(.serialized) struct DKIMSubmissionSigningTests {
    static let password = "correct horse battery"

    /// dkimpy's verify with a dnsfunc that asks the test DNS server (dnspython).
    static let dkimpyVerify = #"""
        import sys, dkim, dns.resolver
        r = dns.resolver.Resolver(configure=False); r.nameservers = ["127.0.0.1"]; r.port = int(sys.argv[1])
        def dnsfunc(name, timeout=5):
            try: answer = r.resolve(name.decode().rstrip("."), "TXT", lifetime=timeout)
            except Exception: return None
            return b"".join(b"".join(rr.strings) for rr in answer)
        msg = open(sys.argv[2], "rb").read()
        d = dkim.DKIM(msg)
        count = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
        def check(i):
            try: return "pass" if d.verify(idx=i, dnsfunc=dnsfunc) else "fail"
            except dkim.DKIMException: return "fail"  # dkimpy raises for some failures (body hash)
        print(" ".join(check(i) for i in range(count)))
        """#

    @Test func submittedMailIsSignedWithBothActiveKeys() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-dkim-submit")
        let store = try SQLiteMailStore(directory: directory.url.appendingPathComponent("data"))
        try await store.addDomain(try Domain("example.test"))
        let credentials = try Account.deriveCredentials(password: Self.password, iterations: 4096)
        try await store.addAccount(try EmailAddress("alice@example.test"), credentials: credentials, quota: .unlimited)
        try await store.addAccount(try EmailAddress("bob@example.test"), credentials: credentials, quota: .unlimited)
        let generated = try await DKIMKeyManager(store: store).generate(
            domain: try Domain("example.test"), selector: "s2026", algorithms: [.rsa, .ed25519])
        #expect(generated.map(\.key.selector) == ["s2026-rsa", "s2026-ed25519"])
        #expect(generated.allSatisfy { $0.key.active }, "the first keys of a domain are active")
        // The zone holds exactly the lines an operator would paste from `hato dkim keygen`.
        let dns = try await TestDNSServer.start(zoneText: generated.map(\.zoneFileLine).joined(separator: "\n"))

        var configuration = SMTPConfiguration(hostname: "mail.example.test", profile: .submission)
        configuration.messageSigner = DKIMSubmissionSigner(store: store)
        let listener = try await TestListener.start(SMTPServer(configuration: configuration, store: store), name: "submission")
        let message = "From: Alice <alice@example.test>\r\nTo: bob@example.test, carol@elsewhere.test\r\nSubject: signed\r\n"
            + "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <signed.1@example.test>\r\n\r\nhello  there\r\n"
        let result = try await Python.run("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1])); s.ehlo()
            s.login("alice@example.test", sys.argv[2])
            print(s.sendmail("alice@example.test", ["bob@example.test", "carol@elsewhere.test"], sys.argv[3].encode()))
            s.quit()
            """, arguments: ["\(listener.port)", Self.password, message])
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "{}", "\(result.stderr)")

        // The local copy.
        let bob = try #require(try await store.account(try EmailAddress("bob@example.test")))
        let inbox = try #require(try await store.mailbox(of: bob.id, named: "INBOX"))
        let stored = try #require(try await store.messages(in: inbox.id).first)
        let bytes = try await store.readBody(stored.body)
        let file = directory.url.appendingPathComponent("stored.eml")
        try Data(bytes).write(to: file)
        let verified = try await Python.run(Self.dkimpyVerify, arguments: ["\(dns.port)", file.path])
        #expect(verified.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "pass pass", "\(verified.stderr)")
        // Tampering after signing breaks both for dkimpy too.
        let tampered = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "hello  there", with: "hello world")
        try Data(tampered.utf8).write(to: file)
        let broken = try await Python.run(Self.dkimpyVerify, arguments: ["\(dns.port)", file.path])
        #expect(broken.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "fail fail", "\(broken.stderr)")

        // The queued copy for the remote recipient is signed the same way.
        let queued = try #require(try await store.queuedMessages().first)
        let queuedBytes = try await store.readBody(queued.body)
        let resolver = try StaticResolver(zoneText: generated.map(\.zoneFileLine).joined(separator: "\n"))
        let results = await DKIMVerifier(resolver: resolver).verify(queuedBytes, now: Date())
        #expect(results.map(\.result) == [.pass, .pass])
        #expect(results.map(\.selector) == ["s2026-rsa", "s2026-ed25519"])

        try await listener.stop()
        try await dns.shutdown()
        try await store.close()
    }

    @Test func mailFromADomainWithoutKeysIsLeftUnsigned() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-dkim-nokey")
        let store = try SQLiteMailStore(directory: directory.url)
        let signer = DKIMSubmissionSigner(store: store)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("alice@example.test"),
                                                 credentials: try Account.deriveCredentials(password: Self.password, iterations: 4096),
                                                 quota: .unlimited)
        let message = Array("From: alice@example.test\r\nSubject: x\r\n\r\nbody\r\n".utf8)
        #expect(await signer.sign(message, account: account) == message)
        try await store.close()
    }
}
