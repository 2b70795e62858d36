import Foundation
import HatoTesting
import Testing

/// The negotiated TLS version and cipher suite as `hato serve` records them: in the Received
/// header of each message (RFC 5321 §4.4 comment) and in the log, compared with what Python's
/// OpenSSL reports for the same connection.
@Suite struct TLSTraceTests {
    @Test func receivedHeaderAndLogNameTheNegotiatedCipher() async throws {
        let hato = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            submissions = ["127.0.0.1:0"]
            imaps = ["127.0.0.1:0"]
            """, accounts: [("alice@example.test", "long enough pw")])
        let result = try await Python.run("""
            import imaplib, smtplib, ssl, sys
            smtp, submissions, imaps = (int(p) for p in sys.argv[1:4])
            def context(version=None, ciphers=None):
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                if version: ctx.minimum_version = ctx.maximum_version = version
                if ciphers: ctx.set_ciphers(ciphers)
                return ctx
            def message(subject):
                return f"From: alice@example.test\\r\\nTo: alice@example.test\\r\\nSubject: {subject}\\r\\n\\r\\nbody\\r\\n"

            # Submission on implicit TLS 1.3, authenticated.
            s = smtplib.SMTP_SSL("127.0.0.1", submissions, context=context())
            s.login("alice@example.test", "long enough pw")
            s.sendmail("alice@example.test", ["alice@example.test"], message("one"))
            print("sent", s.sock.version(), s.sock.cipher()[0]); s.quit()

            # Inbound MX with STARTTLS, forced to TLS 1.2 with two different suites.
            for ciphers in ["ECDHE+CHACHA20", "ECDHE+AESGCM"]:
                s = smtplib.SMTP("127.0.0.1", smtp); s.ehlo("client.test")
                s.starttls(context=context(ssl.TLSVersion.TLSv1_2, ciphers)); s.ehlo("client.test")
                s.sendmail("someone@elsewhere.test", ["alice@example.test"], message(ciphers))
                print("sent", s.sock.version(), s.sock.cipher()[0]); s.quit()

            # A TLS 1.2 client offering only static-RSA key exchange (no forward secrecy) is refused.
            try:
                s = smtplib.SMTP("127.0.0.1", smtp); s.ehlo("client.test")
                s.starttls(context=context(ssl.TLSVersion.TLSv1_2, "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA"))
                print("static RSA accepted", s.sock.cipher()[0])
            except (ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionError) as e:
                print("static RSA refused")

            m = imaplib.IMAP4_SSL("127.0.0.1", imaps, ssl_context=context())
            m.login("alice@example.test", "long enough pw"); m.select("INBOX")
            for number in m.search(None, "ALL")[1][0].split():
                header = m.fetch(number, "(BODY.PEEK[HEADER.FIELDS (RECEIVED)])")[1][0][1].decode()
                print("received", " ".join(header.split()))
            m.logout()
            """, arguments: [try hato.port("smtp"), try hato.port("submissions"), try hato.port("imaps")])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let sent = lines.filter { $0.hasPrefix("sent ") }.map { $0.split(separator: " ").map(String.init) }
        let received = lines.filter { $0.hasPrefix("received ") }
        guard sent.count == 3, received.count == 3 else {
            Issue.record("\(result.stdout) \(result.stderr)")
            return await hato.stop()
        }
        #expect(sent[0][1] == "TLSv1.3" && sent[0][2].hasPrefix("TLS_"), "\(sent[0])")
        #expect(sent[1][1] == "TLSv1.2" && sent[1][2].contains("CHACHA20"), "\(sent[1])")
        #expect(sent[2][1] == "TLSv1.2" && sent[2][2].contains("GCM"), "\(sent[2])")
        #expect(lines.contains("static RSA refused"), "\(lines)")

        // Each stored message names exactly the version and suite its client negotiated.
        #expect(received[0].contains("with ESMTPSA id") && received[0].contains(
            "(\(sent[0][1]) with cipher \(sent[0][2]); authenticated as alice@example.test)"), "\(received[0])")
        for index in 1...2 {
            #expect(received[index].contains("with ESMTPS id") && received[index].contains(
                "(\(sent[index][1]) with cipher \(sent[index][2]))"), "\(received[index])")
        }

        // One log line per handshake, with the same names.
        for entry in sent {
            try await hato.process.waitFor("the TLS log line for \(entry[2])") { _, err in
                err.split(separator: "\n").contains { $0.contains("TLS established") && $0.contains("cipher=\(entry[2])") && $0.contains("version=\(entry[1])") }
            }
        }
        await hato.stop()
    }
}
