import Foundation
import HatoTesting
import Testing

/// Publishing accounts' certificates, checked against GnuPG: `hato pgp dns` prints the
/// OPENPGPKEY record `gpg --export-options export-dane` prints (RFC 7929), and the Web Key
/// Directory of `hato serve` answers at the hash `gpg-wks-client --print-wkd-hash` computes, by
/// the direct and the advanced method, with a certificate GnuPG imports.
@Suite(.heavy, .enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct OpenPGPPublishTests {
    @Test func openPGPKeyRecordAndWebKeyDirectoryAgreeWithGnuPG() async throws {
        let keys = try await GnuPGTestKeys.shared
        let served = try await ServedHato.start("""
            [listen]
            http = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            """)
        func hato(_ arguments: String..., stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await HatoBinary.run(arguments + ["--config", served.config], stdin: stdin)
        }
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            let url = served.directory.url.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            return url.path
        }
        #expect(try await hato("domain", "add", "example.com").status == 0)
        #expect(try await hato("account", "add", "alice@example.com", "--password-stdin", stdin: "a long password\n").status == 0)
        #expect(try await hato("pgp", "import", "alice@example.com", try file("alice.asc", try await keys.export("alice"))).status == 0)
        #expect(try await hato("pgp", "import-contact", try file("bob.asc", try await keys.export("bob"))).status == 0)

        // OPENPGPKEY: the same owner name and the same certificate bytes as GnuPG's.
        let printed = try await hato("pgp", "dns", "example.com")
        #expect(printed.status == 0, "\(printed.stderr)")
        let ours = try #require(printed.stdout.split(separator: "\n").first { $0.contains("TYPE61") }, "\(printed.stdout)")
        let ourFields = ours.split(separator: " ", omittingEmptySubsequences: true)
        let gnupg = try await keys.daneRecord("alice")
        let gnupgFields = gnupg.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).filter { !$0.hasPrefix(";") }
        let gnupgOwner = try #require(gnupgFields.first { $0.count == 56 }, "\(gnupg)")
        #expect(ourFields.first == "\(gnupgOwner)._openpgpkey.example.com.", "\(ours)\n\(gnupg)")
        #expect(Array(ourFields.dropFirst(3).prefix(2)) == ["TYPE61", "\\#"], "\(ours)")
        // The record's bytes are the certificate as stored (RNP writes new-format packet headers
        // where gpg writes old ones): GnuPG imports them below as alice's certificate.
        let recordHex = String(ourFields.last ?? "")
        #expect(printed.stdout.contains("; alice@example.com \(try keys.fingerprint("alice"))"))
        #expect(!printed.stdout.contains("bob"), "correspondents' keys are not published")

        // WKD: GnuPG's hash, both methods, the policy file; a contact's key and another domain are not there.
        let alice = try await keys.wkdHash("alice@example.com"), bob = try await keys.wkdHash("bob@example.com")
        let result = try await Python.run("""
            import http.client, subprocess, sys, tempfile
            port, alice, bob, record = int(sys.argv[1]), sys.argv[2], sys.argv[3], bytes.fromhex(sys.argv[4])
            def get(host, path):
                c = http.client.HTTPConnection("127.0.0.1", port); c.request("GET", path, headers={"Host": host})
                r = c.getresponse(); body = r.read(); c.close()
                return r.status, r.getheader("Content-Type"), r.getheader("Access-Control-Allow-Origin"), body
            direct = get("example.com", "/.well-known/openpgpkey/hu/%s?l=alice" % alice)
            advanced = get("openpgpkey.example.com", "/.well-known/openpgpkey/example.com/hu/%s?l=alice" % alice)
            print("direct", *direct[:3]); print("advanced", *advanced[:3]); print("same", direct[3] == advanced[3])
            print("policy", get("example.com", "/.well-known/openpgpkey/policy")[0],
                  get("openpgpkey.example.com", "/.well-known/openpgpkey/example.com/policy")[0])
            print("contact", get("example.com", "/.well-known/openpgpkey/hu/%s?l=bob" % bob)[0])
            print("other domain", get("example.org", "/.well-known/openpgpkey/hu/%s" % alice)[0],
                  get("openpgpkey.example.org", "/.well-known/openpgpkey/example.com/hu/%s" % alice)[0])
            print("bad hash", get("example.com", "/.well-known/openpgpkey/hu/not-a-hash")[0])
            def imported(data):
                home = tempfile.mkdtemp(prefix="/tmp/hato-wkd-")
                subprocess.run(["gpg", "--homedir", home, "--batch", "--import"], input=data, check=True, capture_output=True)
                listing = subprocess.run(["gpg", "--homedir", home, "--with-colons", "--list-keys"], check=True, capture_output=True, text=True).stdout
                subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"])
                return [l.split(":")[9] for l in listing.splitlines() if l.startswith("fpr")][0]
            print("wkd imported", imported(direct[3]))
            print("openpgpkey imported", imported(record))
            """, arguments: [try served.port("http"), alice, bob, recordHex])
        #expect(result.stdout == """
            direct 200 application/octet-stream *
            advanced 200 application/octet-stream *
            same True
            policy 200 200
            contact 404
            other domain 404 404
            bad hash 404
            wkd imported \(try keys.fingerprint("alice"))
            openpgpkey imported \(try keys.fingerprint("alice"))

            """, "\(result.stdout) \(result.stderr)")
        #expect(await served.terminate() == 0)
    }

    /// `openpgp.autocrypt = "on"`: mail alice submits from her own address carries her
    /// certificate in an Autocrypt field that GnuPG imports; mail with its own Autocrypt field
    /// keeps just that one, and mail from another account without a certificate gets none.
    @Test func submittedMailCarriesTheAutocryptKey() async throws {
        let keys = try await GnuPGTestKeys.shared
        let served = try await ServedHato.start("""
            [listen]
            submission = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [openpgp]
            autocrypt = "on"
            """)
        func hato(_ arguments: String..., stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await HatoBinary.run(arguments + ["--config", served.config], stdin: stdin)
        }
        let certificate = served.directory.url.appendingPathComponent("alice.asc")
        try Data(try await keys.export("alice")).write(to: certificate)
        #expect(try await hato("domain", "add", "example.com").status == 0)
        for user in ["alice", "dave"] {
            #expect(try await hato("account", "add", "\(user)@example.com", "--password-stdin", stdin: "a long password\n").status == 0)
        }
        #expect(try await hato("pgp", "import", "alice@example.com", certificate.path).status == 0)
        let result = try await Python.run("""
            import smtplib, imaplib, email, base64, subprocess, sys, tempfile
            submission, imap = int(sys.argv[1]), int(sys.argv[2])
            def send(user, subject, extra=b""):
                s = smtplib.SMTP("127.0.0.1", submission); s.login(user, "a long password")
                s.sendmail(user, ["dave@example.com"], b"From: " + user.encode() + b"\\r\\nTo: dave@example.com\\r\\nSubject: " + subject
                           + b"\\r\\n" + extra + b"\\r\\nHello.\\r\\n"); s.quit()
            send("alice@example.com", b"plain")
            send("alice@example.com", b"own field", b"Autocrypt: addr=alice@example.com; keydata=AAAA\\r\\n")
            send("dave@example.com", b"no key")
            c = imaplib.IMAP4("127.0.0.1", imap); c.login("dave@example.com", "a long password"); c.select("INBOX")
            typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER])")
            for raw in [item[1] for item in data if isinstance(item, tuple)]:
                m = email.message_from_bytes(raw)
                fields = m.get_all("Autocrypt") or []
                print(m["Subject"], len(fields), [f.split(";")[0] for f in fields])
                if m["Subject"] == "plain":
                    keydata = "".join(fields[0].split("keydata=", 1)[1].split())
                    home = tempfile.mkdtemp(prefix="/tmp/hato-ac-")
                    subprocess.run(["gpg", "--homedir", home, "--batch", "--import"], input=base64.b64decode(keydata), check=True, capture_output=True)
                    out = subprocess.run(["gpg", "--homedir", home, "--with-colons", "--list-keys"], check=True, capture_output=True, text=True).stdout
                    subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"])
                    print("keydata", [l.split(":")[9] for l in out.splitlines() if l.startswith("fpr")][0])
            c.logout()
            """, arguments: [try served.port("submission"), try served.port("imap")])
        #expect(result.stdout == """
            plain 1 ['addr=alice@example.com']
            keydata \(try keys.fingerprint("alice"))
            own field 1 ['addr=alice@example.com']
            no key 0 []

            """, "\(result.stdout) \(result.stderr)")
        #expect(await served.terminate() == 0)
    }
}
