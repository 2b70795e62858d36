import Foundation
import HatoTesting
import Testing

/// Issue 21 "Outbound on submission" through the real `hato serve`: secret keys imported with
/// `hato pgp import --secret` (alice Ed25519 + Cv25519, bob RSA 2048, both made by GnuPG), mail
/// submitted with smtplib and swaks over implicit TLS, read back over IMAP (imaplib), decrypted
/// and verified by `gpg` (a peer Hato did not write), the DKIM signature made after OpenPGP
/// checked by dkimpy, and `encrypt = "required"` refusing a recipient without a key at RCPT.
@Suite(.heavy, .enabled(if: (GnuPGAvailability.available && SMIMESubmissionPeers.present) || GnuPGAvailability.required,
                        "gpg or swaks is not installed"))
struct OpenPGPSubmissionServeTests {
    /// A UTF-8 body in 8bit 「会議の議事録です。」 and an attachment named 議事録.pdf (RFC 2231).
    static let utf8Entity = "Content-Type: multipart/mixed; boundary=\"mixed-1\"\r\n\r\n--mixed-1\r\n"
        + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n会議の議事録です。\r\nkumquat\r\n"
        + "--mixed-1\r\nContent-Type: application/pdf; name*=UTF-8''%E8%AD%B0%E4%BA%8B%E9%8C%B2.pdf\r\n"
        + "Content-Disposition: attachment; filename*=UTF-8''%E8%AD%B0%E4%BA%8B%E9%8C%B2.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg==\r\n--mixed-1--\r\n"
    /// 「会議の議事録です。」 in ISO-2022-JP (RFC 1468), 7bit.
    static let isoEntity = "Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
        + "\u{1B}$B2q5D$N5D;vO?$G$9!#\u{1B}(B\r\n\r\n-- \r\nbob\r\n"
    static func message(from: String, to: String, entity: String) -> String {
        "From: \(from)@example.com\r\nTo: \(to)@example.com\r\nSubject: =?UTF-8?B?6K2w5LqL6Yyy?=\r\nMIME-Version: 1.0\r\n" + entity
    }

    @Test func submittedMailIsSignedAndEncryptedForGnuPG() async throws {
        let keys = try await GnuPGTestKeys.shared
        let home = try await keys.privateCopy()
        defer { try? FileManager.default.removeItem(at: home) }
        let hato = try await ServedHato.start("""
            [listen]
            submissions = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [risk]
            assess = "off"
            [openpgp]
            sign = "always"
            encrypt = "opportunistic"
            [[openpgp.policy]]
            for = "bob@example.com"
            encrypt = "required"
            """)
        defer { hato.process.signal(SIGKILL) }
        let directory = hato.directory.url.path
        #expect(try await hato.cli("domain", "add", "example.com").status == 0)
        for user in ["alice", "bob", "taro"] {
            #expect(try await hato.cli("account", "add", "\(user)@example.com", "--password-stdin", stdin: "\(user) long pw\n").status == 0)
        }
        for user in ["alice", "bob"] {
            try Data(try await keys.exportSecret(user)).write(to: URL(fileURLWithPath: "\(directory)/\(user)-secret.asc"))
            let imported = try await hato.cli("pgp", "import", "\(user)@example.com", "\(directory)/\(user)-secret.asc", "--secret")
            #expect(imported.status == 0 && imported.stdout.contains("with its secret key, sealed"), "\(imported.stdout) \(imported.stderr)")
        }
        let list = try await hato.cli("pgp", "list")
        #expect(list.stdout.split(separator: "\n").filter { $0.contains("sealed") }.count == 2, "\(list.stdout)")
        let keygen = try await hato.cli("dkim", "keygen", "example.com", "--selector", "s1", "--algorithm", "rsa")
        let record = try #require(keygen.stdout.split(separator: "\n").first { $0.contains("v=DKIM1") }, "\(keygen.stdout) \(keygen.stderr)")
        for (name, from, to, entity) in [("alice-bob", "alice", "bob", Self.utf8Entity), ("bob-alice", "bob", "alice", Self.isoEntity),
                                         ("alice-taro", "alice", "taro", Self.utf8Entity), ("bob-taro", "bob", "taro", Self.isoEntity)] {
            // swaks puts a CRLF before the terminating dot itself (RFC 5321 §4.1.1.4): its files end without one.
            let text = Self.message(from: from, to: to, entity: entity)
            try Data((from == "bob" ? String(text.dropLast()) : text).utf8).write(to: URL(fileURLWithPath: "\(directory)/\(name).eml"))
        }
        try Data(Self.utf8Entity.utf8).write(to: URL(fileURLWithPath: "\(directory)/utf8.entity"))
        try Data(Self.isoEntity.utf8).write(to: URL(fileURLWithPath: "\(directory)/iso.entity"))
        let run = try await Python.run(Self.script, arguments: [
            try hato.port("submissions"), try hato.port("imap"), directory, home.path, String(record),
            try keys.fingerprint("alice"), try keys.fingerprint("bob"), SequoiaAvailability.available ? "sq" : ""], timeout: 240)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == (SequoiaAvailability.available ? 16 : 13), "\(run.stdout) \(run.stderr)")
        #expect(lines[0] == "bob-taro refused True", "refused at RCPT with 5.7.1 naming the recipient: \(lines[0])")
        #expect(lines[1] == "alice-bob multipart/encrypted application/pgp-encrypted dkim True True", "\(lines[1])")
        #expect(lines[2] == "alice-bob encrypted-to bob True alice True", "to the recipient and to the sender: \(lines[2])")
        #expect(lines[3] == "alice-bob decrypted-by-alice-alone 0", "the sender can read it: \(lines[3])")
        #expect(lines[4] == "alice-bob inner multipart/signed application/pgp-signature pgp-sha256", "\(lines[4])")
        #expect(lines[5] == "alice-bob verify 0 alice True sha256 True", "Ed25519, SHA-256, the UTF-8 entity byte for byte: \(lines[5])")
        #expect(lines[6] == "bob-alice multipart/encrypted application/pgp-encrypted dkim True True", "\(lines[6])")
        #expect(lines[7] == "bob-alice encrypted-to alice True bob True", "\(lines[7])")
        #expect(lines[8] == "bob-alice inner multipart/signed application/pgp-signature pgp-sha256", "\(lines[8])")
        #expect(lines[9] == "bob-alice verify 0 bob True sha256 True", "RSA, the ISO-2022-JP entity byte for byte: \(lines[9])")
        #expect(lines[10] == "alice-taro multipart/signed application/pgp-signature dkim True True", "taro has no key: signed only: \(lines[10])")
        #expect(lines[11] == "alice-taro verify 0 alice True sha256 True", "\(lines[11])")
        #expect(lines[12] == "alice-taro filename 議事録.pdf True", "the attachment's Japanese file name: \(lines[12])")
        #expect(!hato.process.errorOutput.contains("PRIVATE KEY") && !hato.process.output.contains("PRIVATE KEY"))
        // Sequoia (sq: no GnuPG or RNP code) reads the same messages.
        if SequoiaAvailability.available {
            #expect(lines[13] == "sq alice-bob decrypt 0 True verify 0", "\(lines[13]) \(run.stderr)")
            #expect(lines[14] == "sq bob-alice decrypt 0 True verify 0", "\(lines[14]) \(run.stderr)")
            #expect(lines[15] == "sq alice-taro verify 0", "\(lines[15])")
        } else {
            #expect(!SequoiaAvailability.required, "CI is set but sq (Debian package sq) is not installed")
        }
    }

    static let script = #"""
        import imaplib, smtplib, ssl, subprocess, sys, re, dkim, os, shutil, tempfile, email, email.policy
        port, imap, d, home, record_text, alice_fpr, bob_fpr, sq = sys.argv[1:9]
        record = "".join(re.findall(r'"([^"]*)"', record_text))
        env = dict(os.environ, GNUPGHOME=home)
        def gpg(*args, input=None, environment=env):
            r = subprocess.run(["gpg", "--batch", "--status-fd", "2", *args], env=environment, input=input, capture_output=True)
            return r.returncode, r.stdout, r.stderr.decode(errors="replace")
        def encryption_keyid(fpr):
            out = subprocess.run(["gpg", "--batch", "--with-colons", "--list-keys", fpr], env=env, capture_output=True, text=True).stdout
            return [l.split(":")[4] for l in out.splitlines() if l.startswith("sub:") and "e" in l.split(":")[11]][0]
        def swaks(name, user, to):
            r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", port, "--tlsc", "--auth", "PLAIN", "--auth-user", user + "@example.com",
                                "--auth-password", user + " long pw", "--from", user + "@example.com", "--to", to + "@example.com",
                                "--data", "@%s/%s.eml" % (d, name)], capture_output=True, text=True)
            return r.returncode, [l.strip() for l in (r.stdout + r.stderr).splitlines() if l.startswith(("<** ", "<~* "))]
        def submit(name, user, to):
            context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP_SSL("127.0.0.1", int(port), context=context, timeout=120); s.login(user + "@example.com", user + " long pw")
            s.sendmail(user + "@example.com", [to + "@example.com"], open("%s/%s.eml" % (d, name), "rb").read(), mail_options=["BODY=8BITMIME"]); s.quit()
        def fetch(user):
            c = imaplib.IMAP4("127.0.0.1", int(imap), timeout=120); c.login(user + "@example.com", user + " long pw"); c.select("INBOX")
            typ, data = c.fetch("1", "(BODY.PEEK[])"); c.logout(); return data[0][1]
        def parts(raw):
            head, body = raw.split(b"\r\n\r\n", 1)
            boundary = re.search(rb'boundary="([^"]+)"', head).group(1)
            pieces = body.split(b"\r\n--" + boundary)
            return head.decode(), [p[2:] for p in pieces[1:-1]]
        def params(head):
            m = email.message_from_string(head + "\r\n\r\n")
            return m.get_content_type(), m.get_param("protocol"), m.get_param("micalg")
        def verify(name, signed, expected, signer):
            head, (content, signature) = parts(signed)
            open("%s/%s.content" % (d, name), "wb").write(content)
            open("%s/%s.sig" % (d, name), "wb").write(signature.split(b"\r\n\r\n", 1)[1])
            code, _, status = gpg("--verify", "%s/%s.sig" % (d, name), "%s/%s.content" % (d, name))
            valid = [l.split() for l in status.splitlines() if l.startswith("[GNUPG:] VALIDSIG")]
            who = "alice" if valid and valid[0][-1] == alice_fpr else "bob" if valid and valid[0][-1] == bob_fpr else "?"
            print(name, "verify", code, who, "GOODSIG" in status, "sha256" if valid and valid[0][9] == "8" else status,
                  content == open(d + "/" + expected, "rb").read())
        def outer(name, raw):
            head = raw.split(b"\r\n\r\n", 1)[0].decode()
            t, protocol, _ = params(head)
            print(name, t, protocol, "dkim", dkim.verify(raw, dnsfunc=lambda n, timeout=5: record.encode()), head.index("DKIM-Signature") < head.index("MIME-Version"))
        code, lines = swaks("bob-taro", "bob", "taro")
        print("bob-taro refused", code != 0 and any("<~* 550 5.7.1 No OpenPGP key for <taro@example.com>: encryption is required" in l for l in lines))
        submit("alice-bob", "alice", "bob")
        code, lines = swaks("bob-alice", "bob", "alice")
        submit("alice-taro", "alice", "taro")
        alice_only = tempfile.mkdtemp(); shutil.rmtree(alice_only)
        shutil.copytree(home, alice_only, ignore=shutil.ignore_patterns("S.*", "*.lock"))
        only_env = dict(os.environ, GNUPGHOME=alice_only)
        subprocess.run(["gpg", "--batch", "--yes", "--delete-secret-keys", bob_fpr], env=only_env, capture_output=True)
        for name, recipient, sender, expected in (("alice-bob", "bob", "alice", "utf8.entity"), ("bob-alice", "alice", "bob", "iso.entity")):
            raw = fetch(recipient)
            outer(name, raw)
            head, (control, encrypted) = parts(raw)
            armored = encrypted.split(b"\r\n\r\n", 1)[1]
            code, inner, status = gpg("--decrypt", input=armored)
            open("%s/%s.armored" % (d, name), "wb").write(armored); open("%s/%s.inner" % (d, name), "wb").write(inner)
            to = [l.split()[2] for l in status.splitlines() if l.startswith("[GNUPG:] ENC_TO")]
            print(name, "encrypted-to", recipient, encryption_keyid(bob_fpr if recipient == "bob" else alice_fpr) in to,
                  sender, encryption_keyid(alice_fpr if sender == "alice" else bob_fpr) in to)
            if name == "alice-bob":
                print(name, "decrypted-by-alice-alone", gpg("--decrypt", input=armored, environment=only_env)[0])
            print(name, "inner", *params(inner.split(b"\r\n\r\n", 1)[0].decode()))
            verify(name, inner, expected, sender)
        raw = fetch("taro")
        outer("alice-taro", raw)
        verify("alice-taro", raw, "utf8.entity", "alice")
        attachment = email.message_from_bytes(open(d + "/alice-taro.content", "rb").read(), policy=email.policy.default)
        names = [p.get_filename() for p in attachment.walk() if p.get_filename()]
        print("alice-taro filename", names[0], b"%E8%AD%B0%E4%BA%8B%E9%8C%B2.pdf" in open(d + "/alice-taro.content", "rb").read())
        if sq:
            for user, fpr in (("alice", alice_fpr), ("bob", bob_fpr)):
                open("%s/%s.cert" % (d, user), "wb").write(gpg("--export", fpr)[1])
            def sq_run(*args):
                return subprocess.run(["sq", *args], capture_output=True)
            for name, recipient, sender in (("alice-bob", "bob", "alice"), ("bob-alice", "alice", "bob")):
                r = sq_run("decrypt", "--recipient-key", "%s/%s-secret.asc" % (d, recipient), "%s/%s.armored" % (d, name))
                v = sq_run("verify", "--signer-cert", "%s/%s.cert" % (d, sender), "--detached", "%s/%s.sig" % (d, name), "%s/%s.content" % (d, name))
                print("sq", name, "decrypt", r.returncode, r.stdout == open("%s/%s.inner" % (d, name), "rb").read(), "verify", v.returncode)
            v = sq_run("verify", "--signer-cert", d + "/alice.cert", "--detached", d + "/alice-taro.sig", d + "/alice-taro.content")
            print("sq alice-taro verify", v.returncode)
        for h in (home, alice_only): subprocess.run(["gpgconf", "--kill", "all"], env=dict(os.environ, GNUPGHOME=h), capture_output=True)
        shutil.rmtree(alice_only, ignore_errors=True)
        """#
}
