import Foundation
import HatoTesting
import Testing

/// Issue 21 "Publish and discover", the finding half, through the real binary: keys made by GnuPG,
/// a Web Key Directory laid out with `gpg-wks-client --print-wkd-hash` and served over HTTPS by
/// Python (a certificate from an OpenSSL test CA), OPENPGPKEY records as `gpg --export-options
/// export-dane` writes them in zones signed by ldnsutils and served by unbound
/// (Fixtures/openpgp_lookup_fixture.py, Fixtures/make-openpgpkey-zones.sh). `hato pgp locate`
/// finds keys by the advanced and the direct method and by DNSSEC-secure OPENPGPKEY, refuses a key
/// without the address's User ID, an insecure record and a loopback WKD host unless allowed;
/// `hato serve` verifies a PGP/MIME signature from a sender it had no key for; and a submission
/// under `encrypt = "required"` is encrypted to a recipient whose key only their WKD publishes and
/// to one whose key only an Autocrypt field brought.
@Suite(.heavy, .serialized, .enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct OpenPGPLookupServeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test func keysAreFoundByWebKeyDirectoryAndSecureOPENPGPKEYRecords() async throws {
        guard SignedZoneServer.toolsInstalled else {
            if Python.requiredInCI { Issue.record("unbound or ldnsutils missing in CI: .ci/run installs them") }
            return
        }
        let keys = try TemporaryDirectory(prefix: "hato-wkd")
        let made = try await Python.run("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                                        arguments: [Self.fixtures.appendingPathComponent("openpgp_lookup_fixture.py").path, "make", keys.path],
                                        timeout: 180)
        try #require(made.status == 0, "\(made.stdout) \(made.stderr)")
        defer {
            if let home = try? String(contentsOfFile: keys.path + "/gnupghome", encoding: .utf8) { try? FileManager.default.removeItem(atPath: home) }
        }
        let web = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"),
                                   arguments: ["python3", "-u", Self.fixtures.appendingPathComponent("openpgp_lookup_fixture.py").path, "serve", keys.path])
        defer { web.signal(SIGKILL) }
        try await web.waitFor("the WKD server's port") { out, _ in out.hasSuffix("\n") }
        let webPort = web.output.trimmingCharacters(in: .whitespacesAndNewlines)
        func fingerprint(_ user: String) throws -> String { try String(contentsOfFile: "\(keys.path)/\(user).fpr", encoding: .utf8) }
        let fingerprints = try Dictionary(uniqueKeysWithValues: ["ann", "dan", "ola", "amy"].map { ($0, try fingerprint($0)) })

        try await SignedZoneServer.with(script: Self.fixtures.appendingPathComponent("make-openpgpkey-zones.sh").path,
                                        arguments: [keys.path]) { _, dns in
            let lookup = """
                [dns]
                servers = ["127.0.0.1:\(dns.port)"]
                dnssec = "validate"
                trust_anchor_file = "\(dns.directory.path)/anchor.ds"
                [openpgp]
                lookup = ["wkd", "openpgpkey"]
                lookup_ca_file = "\(keys.path)/ca.pem"
                wkd_port = \(webPort)
                lookup_timeout = 30

                """
            let hato = try await ServedHato.start("""
                [listen]
                smtp = ["127.0.0.1:0"]
                submissions = ["127.0.0.1:0"]
                imap = ["127.0.0.1:0"]
                [accounts]
                scram_iterations = 4096
                [risk]
                assess = "off"
                \(lookup)lookup_private_addresses = true
                autocrypt_learn = "on"
                [[openpgp.policy]]
                for = "alice@example.test"
                encrypt = "required"
                """, accounts: [("alice@example.test", "alice long pw")])
            defer { hato.process.signal(SIGKILL) }

            // The advanced method: openpgpkey.wkd.example.org exists.
            let ann = try await hato.cli("pgp", "locate", "ann@wkd.example.org")
            #expect(ann.status == 0 && ann.stdout.contains("\(fingerprints["ann"]!) Ann <ann@wkd.example.org> (wkd-advanced)"), "\(ann.stdout) \(ann.stderr)")
            // The direct method: no openpgpkey.direct.example.org, so the domain itself.
            let dan = try await hato.cli("pgp", "locate", "dan@direct.example.org", "--method", "wkd")
            #expect(dan.status == 0 && dan.stdout.contains("\(fingerprints["dan"]!) Dan <dan@direct.example.org> (wkd-direct)"), "\(dan.stdout) \(dan.stderr)")
            // Served at eve's hash, but its only User ID is eve@other.example.org (the draft's §3.1: ignored).
            let eve = try await hato.cli("pgp", "locate", "eve@wkd.example.org", "--method", "wkd")
            #expect(eve.status != 0 && eve.stdout.contains("has no valid User ID with eve@wkd.example.org"), "\(eve.stdout) \(eve.stderr)")
            let unknown = try await hato.cli("pgp", "locate", "nobody@wkd.example.org", "--method", "wkd")
            #expect(unknown.status != 0 && unknown.stdout.contains("HTTP status 404"), "\(unknown.stdout) \(unknown.stderr)")
            // OPENPGPKEY: believed from the signed zone, not from the unsigned one (RFC 7929 §7).
            let ola = try await hato.cli("pgp", "locate", "ola@dns.example.com", "--method", "openpgpkey")
            #expect(ola.status == 0 && ola.stdout.contains("\(fingerprints["ola"]!) Ola <ola@dns.example.com> (openpgpkey)"), "\(ola.stdout) \(ola.stderr)")
            let ivy = try await hato.cli("pgp", "locate", "ivy@insecure.example.net", "--method", "openpgpkey")
            #expect(ivy.status != 0 && ivy.stdout.contains("not DNSSEC-secure"), "\(ivy.stdout) \(ivy.stderr)")
            // The request carried the local part (§3.1 `?l=`), to the advanced host with the domain in the path.
            let requests = (try? String(contentsOfFile: keys.path + "/requests.log", encoding: .utf8)) ?? ""
            #expect(requests.contains("openpgpkey.wkd.example.org /.well-known/openpgpkey/wkd.example.org/hu/") && requests.contains("?l=ann\n")
                    && requests.contains("direct.example.org /.well-known/openpgpkey/hu/"), "\(requests)")

            // Without lookup_private_addresses, a sender's DNS cannot point the server at loopback.
            let guarded = hato.directory.url.appendingPathComponent("guarded.toml").path
            try ("hostname = \"mail.example.test\"\ndata_dir = \"data\"\n" + lookup).write(toFile: guarded, atomically: true, encoding: .utf8)
            let refused = try await HatoBinary.run(["pgp", "locate", "ann@wkd.example.org", "--method", "wkd", "--config", guarded])
            #expect(refused.status != 0 && refused.stdout.contains("only non-global addresses (127.0.0.1)"), "\(refused.stdout) \(refused.stderr)")

            // Reception: dan's signed message verifies with the key found for him, which joins the directory.
            let sent = try await Python.run("""
                import smtplib, imaplib, email, sys
                raw = open(sys.argv[3] + "/dan-signed.eml", "rb").read()
                s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=90); s.ehlo("client.test")
                s.sendmail("dan@direct.example.org", ["alice@example.test"], raw); s.quit()
                c = imaplib.IMAP4("127.0.0.1", int(sys.argv[2]), timeout=60); c.login("alice@example.test", "alice long pw"); c.select("INBOX")
                typ, data = c.fetch("1", "(BODY.PEEK[HEADER])")
                print(email.message_from_bytes(data[0][1]).get_all("Hato-OpenPGP"))
                """, arguments: [try hato.port("smtp"), try hato.port("imap"), keys.path], timeout: 180)
            #expect(sent.stdout == "['signed; verified=yes; signer=\(fingerprints["dan"]!); uid=dan@direct.example.org; key-source=wkd-direct']\n",
                    "\(sent.stdout) \(sent.stderr)")
            let listed = try await hato.cli("pgp", "list")
            #expect(listed.stdout.contains(fingerprints["dan"]!), "the key found joins the contact directory: \(listed.stdout)")

            // Autocrypt learning (Level 1 §2.3, stricter): only from mail that passed DMARC (direct.example.org
            // publishes SPF for 127.0.0.1 and DMARC; wkd.example.org neither), one valid field, a key with the address.
            let autocrypt = try await Python.run("""
                import smtplib, base64, sys, email.utils, time
                port, d = int(sys.argv[1]), sys.argv[2]
                def key(name):
                    b = base64.b64encode(open(d + "/" + name + ".gpg", "rb").read()).decode()
                    return "\\r\\n ".join(b[i:i + 76] for i in range(0, len(b), 76))
                def send(sender, fields, subject, date):
                    header = "".join("Autocrypt: %s\\r\\n" % f for f in fields)
                    msg = ("From: %s\\r\\nTo: alice@example.test\\r\\nSubject: %s\\r\\nDate: %s\\r\\nMessage-ID: <%s@client.test>\\r\\n%s\\r\\nhello\\r\\n"
                           % (sender, subject, email.utils.formatdate(date), subject, header))
                    s = smtplib.SMTP("127.0.0.1", port, timeout=90); s.ehlo("client.test")
                    s.sendmail(sender, ["alice@example.test"], msg.encode()); s.quit()
                day = time.time() - 86400
                send("ann@wkd.example.org", ["addr=ann@wkd.example.org; keydata=" + key("ann")], "unauthenticated", day)
                send("eve@direct.example.org", ["addr=eve@direct.example.org; keydata=" + key("eve")], "wrong-user-id", day)
                send("dan@direct.example.org", ["addr=dan@direct.example.org; keydata=" + key("dan"), "addr=dan@direct.example.org; keydata=" + key("ann")], "two-fields", day)
                send("dan@direct.example.org", ["addr=dan@direct.example.org; _extra=x; keydata=" + key("ann")], "not-his-key", day)
                send("dan@direct.example.org", ["addr=dan@direct.example.org; prefer-encrypt=mutual; keydata=" + key("dan")], "learned", day)
                send("amy@direct.example.org", ["addr=amy@direct.example.org; keydata=" + key("amy")], "amy-key", day)
                send("dan@direct.example.org", [], "later-without-key", time.time())
                print("sent")
                """, arguments: [try hato.port("smtp"), keys.path], timeout: 180)
            #expect(autocrypt.stdout == "sent\n", "\(autocrypt.stderr)")
            let peers = try await hato.cli("pgp", "autocrypt", "alice@example.test")
            let rows = peers.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
            let danRow = rows.first { $0.first == "dan@direct.example.org" }
            #expect(rows.count == 2 && danRow?.prefix(3) == ["dan@direct.example.org", fingerprints["dan"]!, "mutual"]
                    && danRow?.last == "available" && danRow?[3] != danRow?[4],
                    "only dan's and amy's authenticated, single, matching fields are learned, and dan's later message moved last_seen: \(peers.stdout) \(peers.stderr)")
            #expect(rows.first { $0.first == "amy@direct.example.org" }?.prefix(3) == ["amy@direct.example.org", fingerprints["amy"]!, "nopreference"], "\(peers.stdout)")

            // Submission (last: the relay to ann fails and bounces to alice's INBOX): a recipient's key is
            // looked up as well (alice's encrypt = "required"): ann's by WKD, so she is accepted and the
            // message encrypted to her; nobody has one, so refused at RCPT.
            let submitted = try await Python.run("""
                import smtplib, ssl, sys
                c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
                s = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), context=c, timeout=120); s.login("alice@example.test", "alice long pw")
                s.mail("alice@example.test")
                print(*s.rcpt("nobody@wkd.example.org")); print(*s.rcpt("ann@wkd.example.org")); print(*s.rcpt("amy@direct.example.org"))
                print(s.data(b"From: alice@example.test\\r\\nTo: ann@wkd.example.org, amy@direct.example.org\\r\\nSubject: s\\r\\n\\r\\nkumquat\\r\\n")[0]); s.quit()
                """, arguments: [try hato.port("submissions")], timeout: 180)
            let replies = submitted.stdout.split(separator: "\n").map(String.init)
            #expect(replies.count == 4 && replies[0].hasPrefix("550 b'5.7.1 No OpenPGP key for <nobody@wkd.example.org>: encryption is required"),
                    "\(submitted.stdout) \(submitted.stderr)")
            // amy published no key anywhere: alice's Autocrypt peer state holds it (learned above).
            #expect(replies.count == 4 && replies[1].hasPrefix("250") && replies[2].hasPrefix("250") && replies[3] == "250",
                    "\(submitted.stdout) \(submitted.stderr)")
            #expect(hato.process.errorOutput.contains("encrypted-to=2"), "the message was encrypted to both keys found: \(hato.process.errorOutput.suffix(2000))")
            #expect(try await hato.cli("pgp", "list").stdout.contains(fingerprints["ann"]!), "ann's key found for the recipient joins the directory")
        }
    }
}
