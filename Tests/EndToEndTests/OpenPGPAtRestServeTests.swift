import Foundation
import HatoTesting
import Testing

/// Issue 21 "Encryption at rest" through the real `hato serve`: `hato pgp at-rest alice on`
/// (refused for taro, who has no certificate), then mail over SMTP to alice and taro together.
/// alice's copy is stored PGP/MIME encrypted to her certificate: over IMAP the raw message holds
/// neither the body nor the fields outside `openpgp.at_rest_headers`, `gpg --decrypt` gives back
/// every field and the ISO-2022-JP body byte for byte, ENVELOPE still shows the subject, SEARCH
/// BODY no longer finds it; taro's copy is as sent. A message already encrypted (PGP/MIME by
/// gpg) is not wrapped twice. bob (RSA) has at-rest on too, with his UTF-8 copy checked the same way.
@Suite(.heavy, .enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct OpenPGPAtRestServeTests {
    static let message = "Received: from relay.example.net by mx.example.com; Sun, 6 Dec 2026 01:00:00 +0000\r\n"
        + "From: carol@example.net\r\nTo: alice@example.com, taro@example.com, bob@example.com\r\nSubject: =?ISO-2022-JP?B?GyRCNUQ7dk8/GyhC?=\r\n"
        + "Date: Sun, 6 Dec 2026 01:00:00 +0000\r\nMessage-ID: <minutes@example.net>\r\nX-Secret: yes\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
        + "\u{1B}$B2q5D$N5D;vO?$G$9!#\u{1B}(B\r\nsecret-word-kumquat\r\n"
    static let utf8Message = "From: carol@example.net\r\nTo: bob@example.com\r\nSubject: =?UTF-8?B?6K2w5LqL6Yyy?=\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n会議の議事録です。 kumquat\r\n"

    @Test func optedInAccountsGetTheirMailEncryptedToTheirCertificate() async throws {
        let keys = try await GnuPGTestKeys.shared
        let home = try await keys.privateCopy()
        defer { try? FileManager.default.removeItem(at: home) }
        let hato = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [risk]
            assess = "off"
            """)
        defer { hato.process.signal(SIGKILL) }
        let directory = hato.directory.url.path
        #expect(try await hato.cli("domain", "add", "example.com").status == 0)
        for user in ["alice", "bob", "taro"] {
            #expect(try await hato.cli("account", "add", "\(user)@example.com", "--password-stdin", stdin: "\(user) long pw\n").status == 0)
        }
        let refused = try await hato.cli("pgp", "at-rest", "taro@example.com", "on")
        #expect(refused.status != 0 && refused.stderr.contains("hato pgp import"), "no certificate, no encryption at rest: \(refused.stderr)")
        for user in ["alice", "bob"] {
            try Data(try await keys.export(user)).write(to: URL(fileURLWithPath: "\(directory)/\(user).asc"))
            #expect(try await hato.cli("pgp", "import", "\(user)@example.com", "\(directory)/\(user).asc").status == 0)
            let on = try await hato.cli("pgp", "at-rest", "\(user)@example.com", "on")
            #expect(on.status == 0, "\(on.stderr)")
        }
        #expect(try await hato.cli("pgp", "at-rest", "alice@example.com").stdout == "on\n")
        #expect(try await hato.cli("pgp", "at-rest", "taro@example.com").stdout == "off\n")
        try Data(Self.message.utf8).write(to: URL(fileURLWithPath: "\(directory)/minutes.eml"))
        try Data(Self.utf8Message.utf8).write(to: URL(fileURLWithPath: "\(directory)/utf8.eml"))
        let run = try await Python.run(Self.script, arguments: [try hato.port("smtp"), try hato.port("imap"), directory, home.path,
                                                                try keys.fingerprint("alice"), SequoiaAvailability.available ? "sq" : ""], timeout: 180)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == (SequoiaAvailability.available ? 9 : 8), "\(run.stdout) \(run.stderr)")
        #expect(lines[0] == "alice stored multipart/encrypted application/pgp-encrypted False False False =?ISO-2022-JP?B?GyRCNUQ7dk8/GyhC?= <minutes@example.net>",
                "no plaintext body, no field outside at_rest_headers: \(lines[0])")
        #expect(lines[1] == "alice decrypted 0 True True True True", "every field and the body byte for byte inside: \(lines[1])")
        #expect(lines[2] == "alice envelope True True", "\(lines[2])")
        #expect(lines[3] == "alice search [b'']", "the body cannot be searched on the server: \(lines[3])")
        #expect(lines[4] == "alice pre-encrypted 0 True False", "already encrypted: stored as it came, one decryption opens it: \(lines[4])")
        #expect(lines[5] == "taro True True [b'1']", "an account that did not opt in gets the message as sent: \(lines[5])")
        #expect(lines[6] == "bob stored multipart/encrypted False", "\(lines[6])")
        #expect(lines[7] == "bob decrypted 0 True", "RSA, the UTF-8 body byte for byte: \(lines[7])")
        if SequoiaAvailability.available {
            #expect(lines[8] == "sq alice 0 True", "Sequoia opens alice's stored copy to the same bytes: \(lines[8])")
        } else {
            #expect(!SequoiaAvailability.required, "CI is set but sq (Debian package sq) is not installed")
        }
    }

    static let script = #"""
        import smtplib, imaplib, subprocess, sys, email, os
        smtp, imap, d, home, alice_fpr, sq = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
        env = dict(os.environ, GNUPGHOME=home)
        def gpg(*args, input=None):
            r = subprocess.run(["gpg", "--batch", *args], env=env, input=input, capture_output=True); return r.returncode, r.stdout
        minutes = open(d + "/minutes.eml", "rb").read()
        utf8 = open(d + "/utf8.eml", "rb").read()
        # Encrypted by the sender (gpg, PGP/MIME by hand as RFC 3156 §4 lays it out), to alice.
        code, armored = gpg("--armor", "--trust-model", "always", "--encrypt", "--recipient", "alice@example.com", input=minutes)
        pre = (b"From: carol@example.net\r\nTo: alice@example.com\r\nSubject: already\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"b\"\r\n\r\n"
               b"--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n"
               + armored.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n--b--\r\n")
        s = smtplib.SMTP("127.0.0.1", smtp, timeout=60); s.ehlo("client.test")
        s.sendmail("carol@example.net", ["alice@example.com", "taro@example.com"], minutes)
        s.sendmail("carol@example.net", ["alice@example.com"], pre)
        s.sendmail("carol@example.net", ["bob@example.com"], utf8, mail_options=["BODY=8BITMIME"]); s.quit()
        def session(user):
            c = imaplib.IMAP4("127.0.0.1", imap, timeout=60); c.login(user + "@example.com", user + " long pw"); c.select("INBOX"); return c
        def decrypt(raw, sq_key=None):
            head, body = raw.split(b"\r\n\r\n", 1)
            m = email.message_from_bytes(raw)
            boundary = m.get_param("boundary").encode()
            # A CRLF in front: the delimiter after an empty preamble has none of its own (RFC 2046 §5.1.1).
            encrypted = (b"\r\n" + body).split(b"\r\n--" + boundary)[2]
            armored = encrypted.split(b"\r\n\r\n", 1)[1]
            if sq_key:
                r = subprocess.run(["sq", "decrypt", "--recipient-key", sq_key], input=armored, capture_output=True); return r.returncode, r.stdout
            return gpg("--decrypt", input=armored)
        h = session("alice")
        raw = h.fetch("1", "(BODY.PEEK[])")[1][0][1]
        m = email.message_from_bytes(raw)
        print("alice stored", m.get_content_type(), m.get_param("protocol"), b"kumquat" in raw, b"X-Secret" in raw, b"Received:" in raw,
              m["Subject"], m["Message-ID"])
        code, inner = decrypt(raw)
        print("alice decrypted", code, b"X-Secret: yes\r\n" in inner, b"Received: from relay.example.net" in inner, b"Return-Path: <carol@example.net>" in inner,
              inner.endswith(b"\r\n\r\n" + minutes.split(b"\r\n\r\n", 1)[1]))
        env_ = h.fetch("1", "(ENVELOPE)")[1][0]
        print("alice envelope", b"=?ISO-2022-JP?B?GyRCNUQ7dk8/GyhC?=" in env_, b"<minutes@example.net>" in env_)
        print("alice search", h.search(None, "BODY", "kumquat")[1])
        raw2 = h.fetch("2", "(BODY.PEEK[])")[1][0][1]
        code2, inner2 = decrypt(raw2)
        print("alice pre-encrypted", code2, b"kumquat" in inner2, b"BEGIN PGP MESSAGE" in inner2)
        t = session("taro")
        traw = t.fetch("1", "(BODY.PEEK[])")[1][0][1]
        print("taro", b"X-Secret: yes" in traw, b"kumquat" in traw, t.search(None, "BODY", "kumquat")[1])
        b = session("bob")
        braw = b.fetch("1", "(BODY.PEEK[])")[1][0][1]
        print("bob stored", email.message_from_bytes(braw).get_content_type(), "kumquat".encode() in braw)
        code3, inner3 = decrypt(braw)
        print("bob decrypted", code3, inner3.endswith(b"\r\n\r\n" + utf8.split(b"\r\n\r\n", 1)[1]))
        if sq:
            open(d + "/alice-secret.asc", "wb").write(gpg("--armor", "--export-secret-keys", alice_fpr)[1])
            code4, inner4 = decrypt(raw, sq_key=d + "/alice-secret.asc")
            print("sq alice", code4, inner4 == inner)
        subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True)
        """#
}
