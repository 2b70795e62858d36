import Foundation
import HatoTesting
import Testing

/// Issue 21, what OpenPGP submission puts inside the protection, through the real `hato serve`
/// with `openpgp.header_protection` (RFC 9788) and `openpgp.autocrypt_gossip` (Autocrypt Level 1
/// §2.7) on: alice (secret key imported) submits with smtplib to bob and ken (To and Cc), to taro
/// (no key: signed only) and to bob with ken as Bcc; the mail is read back over IMAP and opened by
/// `gpg` (a peer Hato did not write): the outer Subject is `[...]` when encrypted, the signed
/// payload inside carries the real header fields, `HP-Outer` records and `hp="cipher"`
/// (`hp="clear"` when only signed), the root of the encrypted payload carries one
/// Autocrypt-Gossip field per To/Cc recipient whose key GnuPG imports with the right fingerprint,
/// and none when only one recipient is named (the Bcc recipient's key is not gossiped).
@Suite(.heavy, .enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct OpenPGPHeaderProtectionServeTests {
    static let subject = "Subject: =?UTF-8?B?6K2w5LqL6Yyy?=\r\n"
    static let entity = "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n会議の議事録です。\r\n"
    static func message(_ name: String, to: String, cc: String?) -> String {
        "From: alice@example.com\r\nTo: \(to)\r\n" + (cc.map { "Cc: \($0)\r\n" } ?? "") + subject
            + "Date: Sun, 06 Dec 2026 09:00:00 +0900\r\nMessage-ID: <hp-\(name)@example.com>\r\nMIME-Version: 1.0\r\n" + entity
    }

    @Test func protectedHeaderAndGossipInsideTheEncryption() async throws {
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
            header_protection = "on"
            autocrypt_gossip = "on"
            """)
        defer { hato.process.signal(SIGKILL) }
        let directory = hato.directory.url.path
        #expect(try await hato.cli("domain", "add", "example.com").status == 0)
        for user in ["alice", "bob", "ken", "taro"] {
            #expect(try await hato.cli("account", "add", "\(user)@example.com", "--password-stdin", stdin: "\(user) long pw\n").status == 0)
        }
        // ken's key: made here by GnuPG in the private copy (Ed25519 + Cv25519).
        let made = try await Python.run(Self.keygen, arguments: [directory, home.path], timeout: 120)
        let kenFingerprint = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(kenFingerprint.count == 40, "\(made.stdout) \(made.stderr)")
        try Data(try await keys.exportSecret("alice")).write(to: URL(fileURLWithPath: "\(directory)/alice-secret.asc"))
        let secret = try await hato.cli("pgp", "import", "alice@example.com", "\(directory)/alice-secret.asc", "--secret")
        #expect(secret.status == 0, "\(secret.stderr)")
        try Data(try await keys.export("bob")).write(to: URL(fileURLWithPath: "\(directory)/bob.asc"))
        for user in ["bob", "ken"] {
            let imported = try await hato.cli("pgp", "import", "\(user)@example.com", "\(directory)/\(user).asc")
            #expect(imported.status == 0, "\(imported.stderr)")
        }
        for (name, to, cc) in [("group", "bob@example.com", "ken@example.com"), ("taro", "taro@example.com", nil), ("bcc", "bob@example.com", nil)] {
            try Data(Self.message(name, to: to, cc: cc).utf8).write(to: URL(fileURLWithPath: "\(directory)/\(name).eml"))
        }
        let run = try await Python.run(Self.script, arguments: [
            try hato.port("submissions"), try hato.port("imap"), directory, home.path,
            try keys.fingerprint("alice"), try keys.fingerprint("bob"), kenFingerprint], timeout: 240)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 9, "\(run.stdout) \(run.stderr)")
        #expect(lines[0] == "group outer multipart/encrypted True False", "Subject [...] outside, the real one nowhere in clear: \(lines[0])")
        #expect(lines[1] == "group decrypt 0 multipart/signed", "\(lines[1])")
        #expect(lines[2] == "group gossip ['bob@example.com', 'ken@example.com'] bob True ken True",
                "one field per To/Cc recipient, keys GnuPG imports: \(lines[2])")
        #expect(lines[3] == "group payload True ['From', 'To', 'Cc', 'Subject', 'Date', 'Message-ID'] cipher True True",
                "the protected header inside the signature, HP-Outer records: \(lines[3])")
        #expect(lines[4] == "group verify 0 True", "alice's signature over the protected payload: \(lines[4])")
        #expect(lines[5] == "taro outer multipart/signed True", "signed only: the Subject stays outside: \(lines[5])")
        #expect(lines[6] == "taro payload True ['From', 'To', 'Subject', 'Date', 'Message-ID'] clear False", "hp=\"clear\", no HP-Outer: \(lines[6])")
        #expect(lines[7] == "bcc ken decrypt 0 multipart/signed", "\(lines[7])")
        #expect(lines[8] == "bcc gossip []", "one named recipient: no gossip, ken (Bcc) not revealed: \(lines[8])")
    }

    static let keygen = #"""
        import subprocess, sys, os
        d, home = sys.argv[1:3]
        env = dict(os.environ, GNUPGHOME=home)
        def gpg(*args):
            return subprocess.run(["gpg", "--batch", "--passphrase", "", *args], env=env, capture_output=True, check=True).stdout
        gpg("--quick-gen-key", "Ken <ken@example.com>", "ed25519", "sign", "never")
        out = gpg("--with-colons", "--list-keys", "ken@example.com").decode()
        fpr = [l.split(":")[9] for l in out.splitlines() if l.startswith("fpr:")][0]
        gpg("--quick-add-key", fpr, "cv25519", "encr", "never")
        open(d + "/ken.asc", "wb").write(gpg("--armor", "--export", fpr))
        print(fpr)
        """#

    static let script = #"""
        import imaplib, smtplib, ssl, subprocess, sys, re, os, base64, tempfile, shutil, email
        port, imap, d, home, alice_fpr, bob_fpr, ken_fpr = sys.argv[1:8]
        env = dict(os.environ, GNUPGHOME=home)
        subject = b"Subject: =?UTF-8?B?6K2w5LqL6Yyy?=\r\n"
        def gpg(*args, input=None, environment=env):
            r = subprocess.run(["gpg", "--batch", "--status-fd", "2", *args], env=environment, input=input, capture_output=True)
            return r.returncode, r.stdout, r.stderr.decode(errors="replace")
        def submit(name, rcpts):
            context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP_SSL("127.0.0.1", int(port), context=context, timeout=120); s.login("alice@example.com", "alice long pw")
            s.sendmail("alice@example.com", rcpts, open("%s/%s.eml" % (d, name), "rb").read(), mail_options=["BODY=8BITMIME"]); s.quit()
        def fetch(user, n):
            c = imaplib.IMAP4("127.0.0.1", int(imap), timeout=120); c.login(user + "@example.com", user + " long pw"); c.select("INBOX")
            typ, data = c.fetch(str(n), "(BODY.PEEK[])"); c.logout(); return data[0][1]
        def head_of(raw): return raw.split(b"\r\n\r\n", 1)[0] + b"\r\n"
        def fields(head): return [f + b"\r\n" for f in re.split(rb"\r\n(?![ \t])", head[:-2])]
        def ctype(head): return email.message_from_bytes(head + b"\r\n")
        def parts(raw):
            head, body = raw.split(b"\r\n\r\n", 1)
            boundary = re.search(rb'boundary="([^"]+)"', head).group(1)
            return [p[2:] for p in body.split(b"\r\n--" + boundary)[1:-1]]
        def decrypt(raw):
            armored = parts(raw)[1].split(b"\r\n\r\n", 1)[1]
            return gpg("--decrypt", input=armored)
        def gossip(head):
            found = []
            for f in fields(head):
                if f.lower().startswith(b"autocrypt-gossip:"):
                    value = re.sub(rb"\s+", b"", f.split(b":", 1)[1]).decode()
                    attrs = dict(a.split("=", 1) for a in value.split(";"))
                    found.append((attrs["addr"], base64.b64decode(attrs["keydata"])))
            return found
        def payload_report(name, payload, hp):
            head = head_of(payload); names = [f.split(b":", 1)[0].decode() for f in fields(head)]
            print(name, "payload", subject in head, [n for n in ("From", "To", "Cc", "Subject", "Date", "Message-ID") if n in names],
                  ctype(head).get_param("hp"), *((b"HP-Outer: Subject: [...]\r\n" in head, b"HP-Outer: From: alice@example.com\r\n" in head) if hp
                                                 else ("HP-Outer" in names,)))
        submit("group", ["bob@example.com", "ken@example.com"])
        submit("taro", ["taro@example.com"])
        submit("bcc", ["bob@example.com", "ken@example.com"])
        raw = fetch("bob", 1)
        outer = head_of(raw)
        print("group outer", ctype(outer).get_content_type(), b"\r\nSubject: [...]\r\n" in outer, b"6K2w5LqL6Yyy" in raw)
        code, inner, status = decrypt(raw)
        print("group decrypt", code, ctype(head_of(inner)).get_content_type())
        found = gossip(head_of(inner))
        imported = []
        for who, fpr in (("bob", bob_fpr), ("ken", ken_fpr)):
            keydata = [k for a, k in found if a == who + "@example.com"]
            fresh = tempfile.mkdtemp(); fresh_env = dict(os.environ, GNUPGHOME=fresh)
            r = subprocess.run(["gpg", "--batch", "--status-fd", "1", "--import"], env=fresh_env, input=keydata[0] if keydata else b"", capture_output=True)
            imported += [who, ("[GNUPG:] IMPORT_OK 1 " + fpr) in r.stdout.decode()]
            subprocess.run(["gpgconf", "--kill", "all"], env=fresh_env, capture_output=True); shutil.rmtree(fresh, ignore_errors=True)
        print("group gossip", [a for a, _ in found], *imported)
        signed_content, signature = parts(inner)
        payload_report("group", signed_content, True)
        open(d + "/group.content", "wb").write(signed_content); open(d + "/group.sig", "wb").write(signature.split(b"\r\n\r\n", 1)[1])
        code, _, status = gpg("--verify", d + "/group.sig", d + "/group.content")
        print("group verify", code, ("VALIDSIG " + alice_fpr) in status or any(l.startswith("[GNUPG:] VALIDSIG") and l.split()[-1] == alice_fpr for l in status.splitlines()))
        raw = fetch("taro", 1)
        outer = head_of(raw)
        print("taro outer", ctype(outer).get_content_type(), subject in outer)
        payload_report("taro", parts(raw)[0], False)
        raw = fetch("ken", 2)
        code, inner, status = decrypt(raw)
        print("bcc ken decrypt", code, ctype(head_of(inner)).get_content_type())
        print("bcc gossip", [a for a, _ in gossip(head_of(inner))])
        subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True)
        """#
}
