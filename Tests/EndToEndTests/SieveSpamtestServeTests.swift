import Foundation
import HatoTesting
import Testing

/// RFC 5235 through `hato serve` (docs/sieve.md "Spam and virus tests"): mail in over SMTP
/// (Python smtplib), assessed by the risk stage, filed by the account's script, counted over
/// IMAP (imaplib): phishing to Junk by `spamtest`, an executable attachment (an EICAR file named
/// `.com`) to its own mailbox by `virustest`, and a message carrying forged `X-Spamd-Result` and
/// `X-Virus-Status` fields (no milter wrote them) left in INBOX; RFC 5183 environment items
/// (`remote-ip` of the SMTP client, `location`, `name`, `version`) seen by the same script.
@Suite(.heavy) struct SieveSpamtestServeTests {
    @Test func scriptFilesByHatosAssessment() async throws {
        let dns = try await TestDNSServer.start(zoneText: "")
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [dns]
            servers = ["\(dns.address)"]
            [delivery]
            relay = "127.0.0.1:1"
            [risk]
            partner_domains = ["partner.co.jp"]
            phishing = "deliver"
            suspicious = "deliver"
            """, accounts: [("bob@example.test", "bob long pw")])
        defer { served.process.signal(SIGKILL) }
        let script = served.directory.url.appendingPathComponent("main.sieve")
        try Data("""
            require ["spamtest", "virustest", "relational", "comparator-i;ascii-numeric", "fileinto", "mailbox", "environment"];
            if not allof (environment :is "remote-ip" "127.0.0.1", environment :is "location" "MDA", environment :is "name" "Hato",
                          environment :matches "version" "?*") { fileinto :create "EnvironmentWrong"; stop; }
            if virustest :value "ge" :comparator "i;ascii-numeric" "4" { fileinto :create "Virus"; stop; }
            if spamtest :value "ge" :comparator "i;ascii-numeric" "8" { fileinto :create "Junk"; }
            """.utf8).write(to: script)
        let put = try await HatoBinary.run(["sieve", "put", "bob@example.test", "main", script.path, "--activate", "--config", served.config])
        #expect(put.status == 0, "\(put.stderr)")

        let result = try await Python.run(#"""
            import smtplib, imaplib, sys, email.message, email.policy
            smtp, imap = int(sys.argv[1]), int(sys.argv[2])
            def send(sender, subject, body, extra={}, attachment=None):
                m = email.message.EmailMessage(policy=email.policy.SMTP)
                m["From"] = sender; m["To"] = "bob@example.test"; m["Subject"] = subject
                for k, v in extra.items(): m[k] = v
                m.set_content(body, charset="utf-8")
                if attachment: m.add_attachment(attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0])
                s = smtplib.SMTP("127.0.0.1", smtp); s.ehlo("client.test")
                s.sendmail(sender.split("<")[-1].rstrip(">"), ["bob@example.test"], m.as_bytes()); s.quit()
            send("Partner <ceo@partner-co.jp>", "【至急】振込先変更のお願い", "振込先を変更しました。至急お振込みください。",
                 {"Reply-To": "ceo.private@freemail.example"})
            send("佐藤 <sato@partner.co.jp>", "打ち合わせの件", "来週よろしくお願いします。",
                 {"X-Spamd-Result": "default: True [30.00 / 15.00]; GTUBE(0.00)", "X-Virus-Status": "Infected (Forged)"})
            eicar = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
            send("佐藤 <sato@partner.co.jp>", "資料", "資料を添付します。", attachment=("eicar.com", eicar))
            m = imaplib.IMAP4("127.0.0.1", imap); m.login("bob@example.test", "bob long pw")
            for box in ("INBOX", "Junk", "Virus"):
                typ, data = m.select(box); print(box, data[0].decode() if typ == "OK" else "missing")
            m.select("INBOX"); typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT HATO-RISK)])"); print(data[0][1].decode().replace("\r\n", " | "))
            m.logout()
            """#, arguments: [try served.port("smtp"), try served.port("imap")])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.prefix(3) == ["INBOX 1", "Junk 1", "Virus 1"], "\(result.stdout) \(result.stderr) \(served.process.errorOutput)")
        // The message in INBOX is the one with the forged filter fields, assessed clean by Hato.
        #expect(lines.dropFirst(3).first?.contains("verdict=clean") == true, "\(result.stdout)")
        #expect(await served.terminate() == 0)
    }

    /// A client on a DNS blocklist (weight 4: `spam` at a score of about 5) reads spamtest 8, the
    /// verdict's floor, where the score alone would give 5.
    @Test func spamVerdictReadsAtLeastEight() async throws {
        let dns = try await TestDNSServer.start(zoneText: "1.0.0.127.bl.test. 300 A 127.0.0.2\n", group: TestDNSServer.isolatedGroup)
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [dns]
            servers = ["\(dns.address)"]
            timeout = 20
            [delivery]
            relay = "127.0.0.1:1"
            [risk]
            spam = "deliver"
            suspicious = "deliver"
            [[spam.dnsbl]]
            zone = "bl.test"
            """, accounts: [("bob@example.test", "bob long pw")])
        defer { served.process.signal(SIGKILL) }
        let script = served.directory.url.appendingPathComponent("main.sieve")
        try Data(#"require ["spamtestplus", "variables", "fileinto", "mailbox"]; if spamtest :matches "*" { set "s" "${1}"; } if spamtest :percent :matches "*" { fileinto :create "spam-${s}-${1}"; }"#.utf8).write(to: script)
        let put = try await HatoBinary.run(["sieve", "put", "bob@example.test", "main", script.path, "--activate", "--config", served.config])
        #expect(put.status == 0, "\(put.stderr)")
        let result = try await Python.run(#"""
            import smtplib, imaplib, sys
            smtp, imap = int(sys.argv[1]), int(sys.argv[2])
            s = smtplib.SMTP("127.0.0.1", smtp)
            s.sendmail("promo@remote.test", ["bob@example.test"], b"From: promo@remote.test\r\nTo: bob@example.test\r\nSubject: offer\r\n\r\nbuy now\r\n")
            s.quit()
            m = imaplib.IMAP4("127.0.0.1", imap); m.login("bob@example.test", "bob long pw")
            typ, boxes = m.list()
            print(" ".join(sorted(b.decode().split(' "/" ')[-1].strip('"') for b in boxes if b"spam-" in b)))
            m.logout()
            """#, arguments: [try served.port("smtp"), try served.port("imap")])
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "spam-8-80", "\(result.stdout) \(result.stderr) \(served.process.errorOutput.suffix(3000))")
        #expect(await served.terminate() == 0)
    }
}
