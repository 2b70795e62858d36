import Foundation
import HatoTesting
import Testing

/// When S/MIME and OpenPGP both apply (docs/openpgp.md "With S/MIME", "Encryption at rest"),
/// through the real `hato serve` with keys made here by openssl (SMIMETestPKI) and gpg:
/// kenji, whose OpenPGP policy signs, sends PGP/MIME signed mail and no S/MIME signature although
/// `smime.sign = "always"`; hana, without an OpenPGP policy, still gets S/MIME. hana has both
/// kinds of encryption at rest on: her copy is one PGP/MIME layer that `gpg --decrypt` opens to the
/// plain message; once her OpenPGP certificate is removed, S/MIME seals the next one instead.
@Suite(.heavy, .enabled(if: (GnuPGAvailability.available && OpenSSLAvailability.available) || GnuPGAvailability.required,
                        "gpg or openssl is not installed"))
struct OpenPGPWithSMIMEServeTests {
    @Test func openPGPComesFirstAndSMIMEServesTheOthers() async throws {
        let pki = try await SMIMETestPKI.make()
        let directory = pki.directory.path
        let dns = try await TestDNSServer.start(zoneText: "")
        let hato = try await pki.serve(dns: dns.address, listeners: ["submissions", "smtp", "imap"],
                                       accounts: [("hana@example.test", "hana long pw"), ("kenji@example.test", "kenji long pw")], smime: """
            sign = "always"
            [openpgp]
            [[openpgp.policy]]
            for = "kenji@example.test"
            sign = "always"
            """)
        defer { hato.process.signal(SIGKILL) }
        // GnuPG keys for both, in a GNUPGHOME of this test.
        let made = try await Python.run(#"""
            import subprocess, sys, os, tempfile
            d = sys.argv[1]; home = tempfile.mkdtemp(dir="/tmp"); env = dict(os.environ, GNUPGHOME=home)
            q = lambda *a: subprocess.run(["gpg", "--batch", "--passphrase", "", *a], env=env, capture_output=True)
            for user in ("hana", "kenji"):
                q("--quick-gen-key", "%s <%s@example.test>" % (user.title(), user), "ed25519", "sign", "never")
                fpr = [l.split(":")[9] for l in subprocess.run(["gpg", "--with-colons", "--list-keys", user + "@example.test"], env=env,
                                                                capture_output=True, text=True).stdout.splitlines() if l.startswith("fpr:")][0]
                q("--quick-add-key", fpr, "cv25519", "encr", "never")
                open("%s/%s-pgp.asc" % (d, user), "wb").write(q("--armor", "--export", fpr).stdout)
                open("%s/%s-pgp-secret.asc" % (d, user), "wb").write(q("--armor", "--export-secret-keys", fpr).stdout)
                print(fpr)
            print(home)
            """#, arguments: [directory], timeout: 120)
        let output = made.stdout.split(separator: "\n").map(String.init)
        try #require(output.count == 3, "\(made.stdout) \(made.stderr)")
        let (hanaPGP, home) = (output[0], output[2])
        defer { try? FileManager.default.removeItem(atPath: home) }
        for user in ["hana", "kenji"] {
            let smime = try await hato.cli("smime", "import", "\(user)@example.test", "--cert", "\(directory)/\(user == "hana" ? "hana-chain" : "kenji").pem", "--key", "\(directory)/\(user).key")
            #expect(smime.status == 0, "\(smime.stderr)")
        }
        #expect(try await hato.cli("pgp", "import", "kenji@example.test", "\(directory)/kenji-pgp-secret.asc", "--secret").status == 0)
        #expect(try await hato.cli("pgp", "import", "hana@example.test", "\(directory)/hana-pgp.asc").status == 0)

        let script = #"""
            import smtplib, imaplib, ssl, subprocess, sys, email, os
            sub, smtp, imap, d, home, step = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
            env = dict(os.environ, GNUPGHOME=home)
            text = b"Content-Type: text/plain; charset=UTF-8\r\n\r\nkumquat\r\n"
            def submit(user, to):
                c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
                s = smtplib.SMTP_SSL("127.0.0.1", sub, context=c, timeout=60); s.login(user + "@example.test", user + " long pw")
                s.sendmail(user + "@example.test", [to], b"From: %s@example.test\r\nTo: %s\r\nSubject: s\r\nMIME-Version: 1.0\r\n" % (user.encode(), to.encode()) + text)
                s.quit()
            def latest(user):
                c = imaplib.IMAP4("127.0.0.1", imap, timeout=60); c.login(user + "@example.test", user + " long pw"); c.select("INBOX")
                n = c.search(None, "ALL")[1][0].split()[-1]; raw = c.fetch(n, "(BODY.PEEK[])")[1][0][1]; c.logout(); return raw
            if step == "submission":
                submit("kenji", "hana@example.test"); submit("hana", "kenji@example.test")
                for user in ("hana", "kenji"):
                    m = email.message_from_bytes(latest(user))
                    print(user, m.get_content_type(), m.get_param("protocol"))
                sys.exit(0)
            # Plain mail from outside to hana, stored under her at-rest settings.
            s = smtplib.SMTP("127.0.0.1", smtp, timeout=60); s.ehlo("client.test")
            s.sendmail("carol@example.net", ["hana@example.test"], b"From: carol@example.net\r\nTo: hana@example.test\r\nSubject: r\r\nMIME-Version: 1.0\r\n" + text); s.quit()
            raw = latest("hana"); m = email.message_from_bytes(raw)
            if m.get_content_type() == "multipart/encrypted":
                body = b"\r\n" + raw.split(b"\r\n\r\n", 1)[1]
                part = body.split(b"\r\n--" + m.get_param("boundary").encode())[2].split(b"\r\n\r\n", 1)[1]
                r = subprocess.run(["gpg", "--batch", "--decrypt"], input=part, env=env, capture_output=True)
                inner = email.message_from_bytes(r.stdout)
                print("at-rest", m.get_content_type(), r.returncode, inner.get_content_type(), b"kumquat" in r.stdout)
            else:
                open(d + "/stored.eml", "wb").write(raw)
                r = subprocess.run(["openssl", "cms", "-decrypt", "-binary", "-in", d + "/stored.eml", "-recip", d + "/hana.pem", "-inkey", d + "/hana.key"],
                                   capture_output=True)
                print("at-rest", m.get_content_type(), r.returncode, email.message_from_bytes(r.stdout).get_content_type(), b"kumquat" in r.stdout)
            """#
        let ports = [try hato.port("submissions"), try hato.port("smtp"), try hato.port("imap"), directory, home]
        let first = try await Python.run(script, arguments: ports + ["submission"], timeout: 120)
        let lines = first.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 2, "\(first.stdout) \(first.stderr)")
        #expect(lines[0] == "hana multipart/signed application/pgp-signature", "kenji's OpenPGP policy wins over smime.sign: \(lines[0])")
        #expect(lines[1] == "kenji multipart/signed application/pkcs7-signature", "hana has no OpenPGP policy: S/MIME as before: \(lines[1])")
        #expect(try await hato.cli("smime", "at-rest", "hana@example.test", "on").status == 0)
        #expect(try await hato.cli("pgp", "at-rest", "hana@example.test", "on").status == 0)
        let both = try await Python.run(script, arguments: ports + ["at-rest"], timeout: 120)
        #expect(both.stdout == "at-rest multipart/encrypted 0 text/plain True\n", "one PGP/MIME layer, no S/MIME inside: \(both.stdout) \(both.stderr)")

        #expect(try await hato.cli("pgp", "remove", hanaPGP).status == 0)
        let second = try await Python.run(script, arguments: ports + ["fallback"], timeout: 120)
        #expect(second.stdout == "at-rest application/pkcs7-mime 0 text/plain True\n",
                "no OpenPGP certificate any more: S/MIME seals it rather than failing: \(second.stdout) \(second.stderr)")
        _ = try await Python.run("import subprocess, os, sys\nsubprocess.run(['gpgconf', '--kill', 'all'], env=dict(os.environ, GNUPGHOME=sys.argv[1]))",
                                 arguments: [home], timeout: 30)
        try await dns.shutdown()
    }
}
