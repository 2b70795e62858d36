import Foundation
import HatoTesting
import Testing

/// Issue 20 §3 through the real `hato serve`: `hato smime at-rest hana on` (refused until hana has
/// a certificate), then mail over SMTP to hana and taro together. hana's copy is stored as S/MIME
/// enveloped-data: over IMAP the raw message holds neither the body nor the fields outside
/// `smime.at_rest_headers`, `openssl cms -decrypt` with hana's key gives back every field and the
/// ISO-2022-JP body byte for byte, ENVELOPE still shows the subject, SEARCH BODY no longer finds
/// it; taro's copy is as sent. A message the sender already encrypted is not wrapped twice.
@Suite(.heavy, .enabled(if: OpenSSLAvailability.available || OpenSSLAvailability.required, "openssl is not installed"))
struct SMIMEAtRestServeTests {
    /// 「会議の議事録です。」 in ISO-2022-JP (RFC 1468).
    static let body = "\u{1B}$B2q5D$N5D;vO?$G$9!#\u{1B}(B\r\nsecret-word-kumquat\r\n"
    static let message = "Received: from relay.example.com by mx.example.com; Sun, 6 Dec 2026 01:00:00 +0000\r\n"
        + "From: alice@example.com\r\nTo: hana@example.test, taro@example.test\r\nSubject: =?ISO-2022-JP?B?GyRCNUQ7dk8/GyhC?=\r\n"
        + "Date: Sun, 6 Dec 2026 01:00:00 +0000\r\nMessage-ID: <minutes@example.com>\r\nX-Secret: yes\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + body

    @Test func optedInAccountsGetTheirMailEncryptedToTheirCertificate() async throws {
        let pki = try await SMIMETestPKI.make()
        let directory = pki.directory.path
        let dns = try await TestDNSServer.start(zoneText: "")
        let hato = try await pki.serve(dns: dns.address, listeners: ["smtp", "imap"], accounts: [("hana@example.test", "hana long pw"), ("taro@example.test", "taro long pw")])
        defer { hato.process.signal(SIGKILL) }
        let refused = try await hato.cli("smime", "at-rest", "hana@example.test", "on")
        #expect(refused.status != 0 && refused.stderr.contains("hato smime import"), "no certificate, no encryption at rest: \(refused.stderr)")
        #expect(try await hato.cli("smime", "import", "hana@example.test", "--cert", "\(directory)/hana-chain.pem", "--key", "\(directory)/hana.key").status == 0)
        let on = try await hato.cli("smime", "at-rest", "hana@example.test", "on")
        #expect(on.status == 0, "\(on.stderr)")
        #expect(try await hato.cli("smime", "at-rest", "hana@example.test").stdout == "on\n")
        #expect(try await hato.cli("smime", "at-rest", "taro@example.test").stdout == "off\n")

        try Self.message.write(toFile: "\(directory)/minutes.eml", atomically: true, encoding: .utf8)
        let run = try await Python.run(#"""
            import smtplib, imaplib, subprocess, sys, email
            smtp, imap, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
            minutes = open(d + "/minutes.eml", "rb").read()
            # Encrypted by the sender (openssl cms), to hana: must be stored as it came.
            pre = subprocess.run(["openssl", "cms", "-encrypt", "-aes256", "-from", "alice@example.com", "-to", "hana@example.test",
                                  "-subject", "already", "-in", d + "/minutes.eml", d + "/hana.pem"], capture_output=True).stdout
            s = smtplib.SMTP("127.0.0.1", smtp, timeout=60); s.ehlo("client.test")
            s.sendmail("alice@example.com", ["hana@example.test", "taro@example.test"], minutes)
            s.sendmail("alice@example.com", ["hana@example.test"], pre.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")); s.quit()
            def session(user):
                c = imaplib.IMAP4("127.0.0.1", imap, timeout=60); c.login(user + "@example.test", user + " long pw"); c.select("INBOX"); return c
            def decrypt(raw):
                open(d + "/stored.eml", "wb").write(raw)
                r = subprocess.run(["openssl", "cms", "-decrypt", "-binary", "-in", d + "/stored.eml", "-recip", d + "/hana.pem", "-inkey", d + "/hana.key"],
                                   capture_output=True)
                return r.returncode, r.stdout
            h = session("hana")
            raw = h.fetch("1", "(BODY.PEEK[])")[1][0][1]
            head = raw.split(b"\r\n\r\n", 1)[0]
            m = email.message_from_bytes(raw)
            print("hana stored", m.get_content_type(), m.get_param("smime-type"), b"kumquat" in raw, b"X-Secret" in raw, b"Received:" in raw,
                  m["Subject"], m["Message-ID"])
            code, inner = decrypt(raw)
            open(d + "/at-rest.eml", "wb").write(raw)
            print("hana decrypted", code, b"X-Secret: yes\r\n" in inner, b"Received: from relay.example.com" in inner, b"Return-Path: <alice@example.com>" in inner,
                  inner.endswith(b"\r\n\r\n" + minutes.split(b"\r\n\r\n", 1)[1]))
            env = h.fetch("1", "(ENVELOPE)")[1][0]
            print("hana envelope", b"=?ISO-2022-JP?B?GyRCNUQ7dk8/GyhC?=" in env, b"<minutes@example.com>" in env)
            print("hana search", h.search(None, "BODY", "kumquat")[1])
            raw2 = h.fetch("2", "(BODY.PEEK[])")[1][0][1]
            code2, inner2 = decrypt(raw2)
            print("hana pre-encrypted", code2, b"kumquat" in inner2, b"pkcs7-mime" in inner2)
            t = session("taro")
            traw = t.fetch("1", "(BODY.PEEK[])")[1][0][1]
            print("taro", b"X-Secret: yes" in traw, b"kumquat" in traw, t.search(None, "BODY", "kumquat")[1])
            """#, arguments: [try hato.port("smtp"), try hato.port("imap"), directory], timeout: 120)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 6, "\(run.stdout) \(run.stderr)")
        #expect(lines[0] == "hana stored application/pkcs7-mime enveloped-data False False False =?ISO-2022-JP?B?GyRCNUQ7dk8/GyhC?= <minutes@example.com>",
                "no plaintext body, no field outside at_rest_headers: \(lines[0])")
        #expect(lines[1] == "hana decrypted 0 True True True True", "every field and the body byte for byte inside: \(lines[1])")
        #expect(lines[2] == "hana envelope True True", "\(lines[2])")
        #expect(lines[3] == "hana search [b'']", "the body cannot be searched on the server: \(lines[3])")
        #expect(lines[4] == "hana pre-encrypted 0 True False", "already encrypted: stored as it came, one decryption opens it: \(lines[4])")
        #expect(lines[5] == "taro True True [b'1']", "an account that did not opt in gets the message as sent: \(lines[5])")
        // `hato smime decrypt` gives the message back whole: each field once, the body as sent.
        let opened = try await hato.cli("smime", "decrypt", "\(directory)/at-rest.eml", "--account", "hana@example.test")
        #expect(opened.status == 0 && opened.stdout.hasPrefix("MIME-Version: 1.0\r\nReturn-Path: <alice@example.com>\r\n"), "\(opened.stdout.prefix(200)) \(opened.stderr)")
        #expect(opened.stdout.components(separatedBy: "\r\nFrom: alice@example.com\r\n").count == 2 && opened.stdout.hasSuffix(Self.body),
                "\(opened.stdout)")
        try await dns.shutdown()
    }
}
