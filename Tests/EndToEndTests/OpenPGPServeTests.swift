import Foundation
import HatoTesting
import Testing

/// Issue 21 through the real `hato serve`: certificates imported with `hato pgp import-contact`
/// (exported by GnuPG), PGP/MIME messages signed by `gpg --detach-sign` sent over SMTP to the MX
/// listener (Python smtplib), read back over IMAP (imaplib) with the Hato-OpenPGP field.
@Suite(.heavy, .enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct OpenPGPServeTests {
    static let entity = "Content-Type: text/plain; charset=utf-8\r\n\r\nMinutes of the meeting on the 3rd.\r\n"

    /// RFC 3156 §5: the entity, then its detached signature, in multipart/signed.
    static func signed(from: String, subject: String, entity: String, signature: String, extraHeader: String = "") -> String {
        "\(extraHeader)From: \(from)\r\nTo: alice@example.test\r\nSubject: \(subject)\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/signed; micalg=pgp-sha256; protocol=\"application/pgp-signature\"; boundary=\"sig-b\"\r\n\r\n"
            + "This is an OpenPGP/MIME signed message (RFC 3156).\r\n--sig-b\r\n\(entity)\r\n--sig-b\r\n"
            + "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n\r\n"
            // gpg writes the armor with LF; SMTP carries CRLF (the armor reads either way).
            + signature.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n--sig-b--\r\n"
    }

    @Test func signedMailIsVerifiedAgainstTheContactDirectory() async throws {
        let keys = try await GnuPGTestKeys.shared
        let signature = try await keys.sign(Array(Self.entity.utf8), as: "alice")
        let bobSignature = try await keys.sign(Array(Self.entity.utf8), as: "bob")
        let mallorySignature = try await keys.sign(Array(Self.entity.utf8), as: "mallory")
        let alice = try keys.fingerprint("alice")
        // Japanese bodies (issue 21): UTF-8 sent 8bit, and ISO-2022-JP (7bit, with escapes) as Python encodes it.
        let utf8 = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n会議の議事録です。\r\n"
        let jis = try await Python.run("import sys; sys.stdout.write('会議の議事録です。'.encode('iso-2022-jp').decode('ascii'))")
        try #require(jis.status == 0 && jis.stdout.hasPrefix("\u{1B}$B"), "\(jis.stderr)")
        let iso2022jp = "Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n\(jis.stdout)\r\n"
        let utf8Signature = try await keys.sign(Array(utf8.utf8), as: "alice")
        let jisSignature = try await keys.sign(Array(iso2022jp.utf8), as: "alice")
        // Inline PGP (RFC 9580 §7 cleartext signatures in a text/plain body), as gpg --clearsign writes it.
        func inline(_ subject: String, _ body: String) -> String {
            "From: alice@example.com\r\nTo: alice@example.test\r\nSubject: \(subject)\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + body.replacingOccurrences(of: "\n", with: "\r\n")
        }
        let clearsigned = try await keys.clearsign("Minutes of the meeting on the 3rd.\n- item one\n", as: "alice")
        let clearsignedJapanese = try await keys.clearsign("会議の議事録です。\n", as: "alice")
        let messages = [
            Self.signed(from: "Alice <alice@example.com>", subject: "pass", entity: Self.entity, signature: signature),
            Self.signed(from: "alice@example.com", subject: "tampered",
                        entity: Self.entity.replacingOccurrences(of: "the 3rd", with: "the 4th"), signature: signature),
            Self.signed(from: "alice@example.com", subject: "impostor", entity: Self.entity, signature: mallorySignature),
            Self.signed(from: "bob@example.com", subject: "unknown", entity: Self.entity, signature: bobSignature),
            Self.signed(from: "alice@example.com", subject: "forged-on-signed", entity: Self.entity, signature: signature,
                        extraHeader: "Hato-OpenPGP: signed; verified=yes; signer=0000; uid=alice@example.com\r\n"),
            "Hato-OpenPGP: signed; verified=yes; signer=\(alice); uid=alice@example.com\r\nFrom: alice@example.com\r\n"
                + "To: alice@example.test\r\nSubject: forged-unsigned\r\n\r\nNot signed at all.\r\n",
            Self.signed(from: "alice@example.com", subject: "utf-8", entity: utf8, signature: utf8Signature),
            Self.signed(from: "alice@example.com", subject: "iso-2022-jp", entity: iso2022jp, signature: jisSignature),
            inline("inline", clearsigned),
            inline("inline-footer", clearsigned + "\n-- \nexample-list mailing list\n"),
            inline("inline-tampered", clearsigned.replacingOccurrences(of: "the 3rd", with: "the 4th")),
            inline("inline-utf-8", clearsignedJapanese),
        ]
        for (index, message) in messages.enumerated() {
            try Data(message.utf8).write(to: keys.directory.appendingPathComponent("message-\(index).eml"))
        }
        let contacts = keys.directory.appendingPathComponent("contacts.asc")
        try Data(try await keys.export("alice")).write(to: contacts)
        let dns = try await TestDNSServer.start(zoneText: "")
        let hato = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [dns]
            servers = ["\(dns.address)"]
            [risk]
            assess = "off"
            """, accounts: [("alice@example.test", "alice long pw")])
        defer { hato.process.signal(SIGKILL) }
        let imported = try await HatoBinary.run(["pgp", "import-contact", contacts.path, "--config", hato.config])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout == "imported \(alice) for alice@example.com\n")

        let run = try await Python.run("""
            import smtplib, imaplib, email, sys
            smtp, imap, directory = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
            for i in range(\(messages.count)):
                raw = open("%s/message-%d.eml" % (directory, i), "rb").read()
                s = smtplib.SMTP("127.0.0.1", smtp, timeout=60); s.ehlo("client.test")
                s.sendmail("sender@example.com", ["alice@example.test"], raw); s.quit()
            c = imaplib.IMAP4("127.0.0.1", imap, timeout=60); c.login("alice@example.test", "alice long pw"); c.select("INBOX")
            typ, data = c.fetch("1:*", "(BODY.PEEK[])")
            fetched = [item[1] for item in data if isinstance(item, tuple)]
            for i, raw in enumerate(fetched):
                m = email.message_from_bytes(raw)
                sent = open("%s/message-%d.eml" % (directory, i), "rb").read().split(b"\\r\\n\\r\\n", 1)[1]
                print(m["Subject"], "|", m.get_all("Hato-OpenPGP"), "|", "intact" if raw.endswith(sent) else "changed")
            c.logout()
            """, arguments: [try hato.port("smtp"), try hato.port("imap"), keys.directory.path], timeout: 120)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == messages.count, "\(run.stdout) \(run.stderr)")
        let yes = "['signed; verified=yes; signer=\(alice); uid=alice@example.com']"
        #expect(lines.allSatisfy { $0.hasSuffix(" | intact") }, "every body is stored byte for byte: \(lines)")
        let results = lines.map { $0.replacingOccurrences(of: " | intact", with: "") }
        #expect(results[6] == "utf-8 | \(yes)")
        #expect(results[7] == "iso-2022-jp | \(yes)")
        #expect(results[0] == "pass | \(yes)")
        #expect(results[1] == "tampered | ['signed; verified=no; reason=\"signature does not match the content or the key is not valid for signing\"']")
        let malloryKeyID = String(try keys.fingerprint("mallory").suffix(16))
        #expect(results[2] == "impostor | ['signed; verified=no; reason=\"signing key \(malloryKeyID) is not in alice@example.com\\'s certificates\"']",
                "\(lines[2])")
        #expect(results[3] == "unknown | ['signed; verified=no; reason=\"no certificate for bob@example.com in the contact directory\"']")
        #expect(results[4] == "forged-on-signed | \(yes)", "the sender's field is gone, ours remains")
        #expect(results[5] == "forged-unsigned | None", "a sender's Hato-OpenPGP field never reaches the mailbox")
        let inlineYes = "['signed; verified=yes; signer=\(alice); uid=alice@example.com; inline=yes"
        #expect(results[8] == "inline | \(inlineYes)']", "\(results[8])")
        #expect(results[9] == "inline-footer | \(inlineYes); partial=yes']", "only the block is vouched for: \(results[9])")
        #expect(results[10] == "inline-tampered | ['signed; verified=no; reason=\"signature does not match the content or the key is not valid for signing\"; inline=yes']",
                "\(results[10])")
        #expect(results[11] == "inline-utf-8 | \(inlineYes)']", "\(results[11])")
    }
}
