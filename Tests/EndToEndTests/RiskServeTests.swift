import Foundation
import HatoTesting
import Testing

/// Issue 18 through the real `hato serve`: mail in over SMTP (Python smtplib), out over IMAP
/// (imapclient): the Hato-Risk field (a forged one removed), `$Phishing`, the external subject
/// tag encoded for Japanese, Junk, the quarantine with `hato quarantine list/show/release`, and
/// 550 5.7.1 at the end of DATA.
@Suite struct RiskServeTests {
    static let available = Python.hasModules("imapclient")
    static let accounts = [("alice@example.test", "alice long pw")]

    static func start(_ dns: TestDNSServer, risk: String) async throws -> ServedHato {
        try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            admin = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [dns]
            servers = ["\(dns.address)"]
            [risk]
            partner_domains = ["partner.co.jp"]
            \(risk)
            """, accounts: accounts)
    }

    /// Python: `send(port, from, subject, body, extra)` returns the SMTP outcome; `mailbox(port, name)`
    /// lists (subject, Hato-Risk, flags) of every message in it; `\Recent`, which an IMAP4rev1
    /// session such as imapclient's sees on new mail (RFC 3501 §2.3.2), is left out of the flags.
    static let clients = """
        import smtplib, sys, email, email.header, email.message, email.policy
        from imapclient import IMAPClient
        def send(port, sender, subject, body, extra={}):
            m = email.message.EmailMessage(policy=email.policy.SMTP)
            m["From"] = sender; m["To"] = "alice@example.test"; m["Subject"] = subject
            for k, v in extra.items(): m[k] = v
            m.set_content(body, charset="utf-8")
            s = smtplib.SMTP("127.0.0.1", port); s.ehlo("client.test")
            try:
                s.sendmail(sender.split("<")[-1].rstrip(">"), ["alice@example.test"], m.as_bytes()); return "250"
            except smtplib.SMTPDataError as e:
                return "%d %s" % (e.smtp_code, e.smtp_error.decode())
            finally:
                s.quit()
        def decoded(value):
            return str(email.header.make_header(email.header.decode_header(value))) if value else ""
        def mailbox(port, name):
            c = IMAPClient("127.0.0.1", port=port, ssl=False); c.login("alice@example.test", "alice long pw")
            c.select_folder(name); out = []
            for uid, data in sorted(c.fetch(c.search("ALL"), ["FLAGS", "BODY.PEEK[HEADER]"]).items()):
                m = email.message_from_bytes(data[b"BODY[HEADER]"])
                out.append((decoded(m["Subject"]), m.get_all("Hato-Risk"), sorted(f.decode() for f in data[b"FLAGS"] if f != b"\\\\Recent"), m["Subject"]))
            c.logout(); return out
        smtp, imap = int(sys.argv[1]), int(sys.argv[2])
        PHISH = ("Partner <ceo@partner-co.jp>", "【至急】振込先変更のお願い", "振込先を変更しました。至急お振込みください。",
                 {"Reply-To": "ceo.private@freemail.example", "Hato-Risk": "verdict=clean; score=0"})

        """

    @Test(.enabled(if: available || Python.requiredInCI, "imapclient is not installed: pip install imapclient"))
    func dispositionsEndToEnd() async throws {
        try #require(Self.available, "CI is set but imapclient is not installed")
        let dns = try await TestDNSServer.start(zoneText: "")
        let hato = try await Self.start(dns, risk: """
            suspicious = "junk"
            phishing = "quarantine"
            tag_external = "[外部]"
            """)
        defer { hato.process.signal(SIGKILL) }
        let run = try await Python.run(Self.clients + """
            print(send(smtp, "佐藤 <sato@partner.co.jp>", "打ち合わせの件", "来週よろしくお願いします。"))
            print(send(smtp, "Billing <billing@newvendor.example>", "請求書のご送付", "振込先はこちらです。", {"Reply-To": "pay@elsewhere.example"}))
            print(send(smtp, *PHISH))
            for name in ["INBOX", "Junk"]:
                for subject, risk, flags, raw in mailbox(imap, name): print(name, "|", subject, "|", risk, "|", flags, "|", raw.isascii())
            """, arguments: [try hato.port("smtp"), try hato.port("imap")])
        let lines = run.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 5, "\(run.stdout) \(run.stderr)")
        #expect(lines[0...2] == ["250", "250", "250"], "quarantined mail is accepted too: \(lines)")
        #expect(lines[3].hasPrefix("INBOX | [外部] 打ち合わせの件 | ['verdict=clean; score=1; signals=first-contact,external-sender'] | [] | True"),
                "clean mail: its header and the external tag, RFC 2047-encoded: \(lines[3])")
        #expect(lines[4].hasPrefix("Junk | [外部] 請求書のご送付 | ['verdict=suspicious; score=5;"), "\(lines[4])")
        #expect(lines[4].contains("'$Junk'") && !lines[4].contains("$Phishing"), "\(lines[4])")
        let verdicts = ["clean", "suspicious", "phishing"].map { #"hato_risk_verdicts_total{listener="mx",verdict="\#($0)"}"# }
        #expect(try await MetricsScrape.values(port: try hato.port("admin"), verdicts) == verdicts.map { "\($0) 1" })

        let list = try await HatoBinary.run(["quarantine", "list", "--config", hato.config])
        #expect(list.status == 0 && list.stdout.contains("ceo@partner-co.jp") && list.stdout.contains("verdict=phishing"), "\(list.stdout) \(list.stderr)")
        let id = try #require(list.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init))
        let show = try await HatoBinary.run(["quarantine", "show", id, "--config", hato.config])
        #expect(show.stdout.contains("lookalike-domain: From: partner-co.jp differs from partner.co.jp"), "\(show.stdout)")
        let release = try await HatoBinary.run(["quarantine", "release", id, "--config", hato.config])
        #expect(release.status == 0 && release.stdout.contains("delivered to alice@example.test"), "\(release.stdout) \(release.stderr)")
        let after = try await Python.run(Self.clients + """
            for subject, risk, flags, raw in mailbox(imap, "INBOX"): print(subject, "|", risk)
            """, arguments: [try hato.port("smtp"), try hato.port("imap")])
        let inbox = after.stdout.split(separator: "\n").map(String.init)
        #expect(inbox.count == 2, "\(after.stdout) \(after.stderr)")
        #expect(inbox.last?.hasPrefix("[外部] 【至急】振込先変更のお願い | ['verdict=phishing; score=") == true,
                "released as held, with our Hato-Risk only (the forged one was removed): \(inbox)")
        #expect(try await HatoBinary.run(["quarantine", "list", "--config", hato.config]).stdout.contains("empty"))
    }

    @Test(.enabled(if: available || Python.requiredInCI, "imapclient is not installed: pip install imapclient"))
    func tagsKeywordsAndRejection() async throws {
        try #require(Self.available, "CI is set but imapclient is not installed")
        let dns = try await TestDNSServer.start(zoneText: "")
        let hato = try await Self.start(dns, risk: """
            suspicious = "tag"
            tag_suspicious = "[要注意]"
            phishing = "reject"
            """)
        defer { hato.process.signal(SIGKILL) }
        let run = try await Python.run(Self.clients + """
            print(send(smtp, *PHISH))
            print(send(smtp, "Billing <billing@newvendor.example>", "請求書のご送付", "振込先はこちらです。", {"Reply-To": "pay@elsewhere.example"}))
            for subject, risk, flags, raw in mailbox(imap, "INBOX"): print(subject, "|", risk, "|", raw.isascii())
            """, arguments: [try hato.port("smtp"), try hato.port("imap")])
        let lines = run.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(run.stdout) \(run.stderr)")
        #expect(lines[0].hasPrefix("550 5.7.1 Message refused: it looks like phishing (lookalike-domain"), "\(lines[0])")
        #expect(lines[1] == "250")
        #expect(lines[2].hasPrefix("[要注意] 請求書のご送付 | ['verdict=suspicious;") && lines[2].hasSuffix("True"), "\(lines[2])")

        // `hato message assess` on the same message gives the JSON of issue 18.
        let file = hato.directory.url.appendingPathComponent("phish.eml")
        try Data("""
            From: Partner <ceo@partner-co.jp>\r
            To: alice@example.test\r
            Subject: =?UTF-8?B?5oyv6L6856KU5aSJ5pu0?=\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            至急お振込みください。\r
            """.utf8).write(to: file)
        let assess = try await HatoBinary.run(["message", "assess", file.path, "--to", "alice@example.test", "--json", "--config", hato.config])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(assess.stdout.utf8)) as? [String: Any], "\(assess.stdout) \(assess.stderr)")
        #expect(Set(object.keys) == ["verdict", "score", "signals", "authentication"])
        #expect(object["verdict"] as? String == "suspicious" || object["verdict"] as? String == "phishing")
        let signals = try #require(object["signals"] as? [[String: Any]])
        #expect(signals.allSatisfy { Set($0.keys) == ["name", "weight", "detail"] })
        #expect(signals.contains { $0["name"] as? String == "lookalike-domain" && $0["weight"] as? Int == 6 })
    }

    @Test(.enabled(if: available || Python.requiredInCI, "imapclient is not installed: pip install imapclient"))
    func phishingDeliveredToJunkCarriesItsKeywords() async throws {
        try #require(Self.available, "CI is set but imapclient is not installed")
        let dns = try await TestDNSServer.start(zoneText: "")
        let hato = try await Self.start(dns, risk: "phishing = \"junk\"")
        defer { hato.process.signal(SIGKILL) }
        let run = try await Python.run(Self.clients + """
            print(send(smtp, *PHISH))
            for subject, risk, flags, raw in mailbox(imap, "Junk"): print(subject, "|", risk, "|", flags)
            """, arguments: [try hato.port("smtp"), try hato.port("imap")])
        let lines = run.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 2, "\(run.stdout) \(run.stderr)")
        #expect(lines[1].hasPrefix("【至急】振込先変更のお願い | ['verdict=phishing;"), "\(lines[1])")
        #expect(lines[1].hasSuffix("['$Junk', '$Phishing']"), "\(lines[1])")
    }
}
