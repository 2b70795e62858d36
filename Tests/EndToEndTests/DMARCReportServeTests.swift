import Foundation
import HatoTesting
import Testing

/// Issue 22 through the real binary: mail from remote.test (p=none, rua=) is evaluated by
/// `hato serve`; `hato report dmarc --send-now` the next day queues one report, which the running
/// server's queue delivers to the rua= mailbox's MX (aiosmtpd); parsedmarc reads what arrived; a
/// second run sends nothing. A Google-style report mailed to the reports address is stored and
/// listed by `hato report list` and `hato report show`.
@Suite struct DMARCReportServeTests {
    static let oracles = Python.hasModules("aiosmtpd", "parsedmarc")

    @Test(.enabled(if: oracles || Python.requiredInCI, "aiosmtpd and parsedmarc (PyPI) are needed"))
    func reportIsSentOnceAndReceivedReportsAreListed() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-dmarc-e2e")
        let sink = try await SMTPSink.start(in: directory)
        defer { sink.process.signal(SIGTERM) }
        let dns = try await TestDNSServer.start(zoneText: """
            $ORIGIN test.
            remote 300 TXT "v=spf1 ip4:127.0.0.0/8 -all"
            remote 300 MX 10 mx.remote
            mx.remote 300 A 127.0.0.1
            _dmarc.remote 300 TXT "v=DMARC1; p=none; rua=mailto:dmarc@remote.test!10m"
            """)
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [dns]
            servers = ["\(dns.address)"]
            [delivery]
            mx_port = \(sink.port)
            [dmarc]
            send_reports = "on"
            report_from = "dmarc-reports@example.test"
            """, accounts: [("alice@example.test", "alice long pw"), ("dmarc-reports@example.test", "reports long pw")], directory: directory)
        let smtp = try served.port("smtp")
        let sent = try await Python.run("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
            for n in range(3):
                s.sendmail("friend@remote.test", ["alice@example.test"], b"From: friend@remote.test\\r\\nSubject: n\\r\\n\\r\\nhello\\r\\n")
            s.quit()
            """, arguments: [smtp])
        #expect(sent.status == 0, "\(sent.stderr)")

        // The day after the evaluations, ten seconds past midnight UTC.
        let midnight = (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 + 86_400 + 10
        let asOf = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: midnight))
        let dryRun = try await HatoBinary.run(["report", "dmarc", "--dry-run", "--as-of", asOf, "--config", served.config])
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        #expect(dryRun.stdout.contains("remote.test "), "\(dryRun.stdout)")
        #expect(dryRun.stdout.contains("records=1 messages=3 queued to=dmarc@remote.test"), "\(dryRun.stdout)")
        #expect(dryRun.stdout.contains("<source_ip>127.0.0.1</source_ip>"), "\(dryRun.stdout)")

        let sendNow = try await HatoBinary.run(["report", "dmarc", "--send-now", "--as-of", asOf, "--config", served.config])
        #expect(sendNow.status == 0, "\(sendNow.stderr)")
        let delivered = try await sink.waitForMessages(1)
        #expect(delivered.map(\.to) == [["dmarc@remote.test"]])
        #expect(delivered.map(\.from) == ["dmarc-reports@example.test"])
        let message = directory.url.appendingPathComponent("report.eml")
        try Data(try sink.content(of: delivered[0])).write(to: message)
        let parsed = try await Python.run("""
            import sys, logging
            logging.disable(logging.CRITICAL)
            import parsedmarc
            report = parsedmarc.parse_report_file(sys.argv[1], offline=True)["report"]
            print(report["report_metadata"]["org_name"], report["policy_published"]["domain"],
                  [(r["source"]["ip_address"], r["count"], r["policy_evaluated"]["disposition"]) for r in report["records"]])
            """, arguments: [message.path])
        #expect(parsed.stdout == "example.test remote.test [('127.0.0.1', 3, 'none')]\n", "\(parsed.stderr)")

        let again = try await HatoBinary.run(["report", "dmarc", "--send-now", "--as-of", asOf, "--config", served.config])
        #expect(again.stdout.contains("already-done"), "\(again.stdout)")

        // A report about example.test from "google.com", gzipped as Google sends it, to the reports address.
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DMARCReportTests/Fixtures/google.xml.gz")
        let incoming = try await Python.run("""
            import smtplib, sys
            from email import policy
            from email.message import EmailMessage
            m = EmailMessage()
            m["From"] = "noreply-dmarc-support@google.com"; m["To"] = "dmarc-reports@example.test"
            m["Subject"] = "Report domain: example.org Submitter: google.com Report-ID: 12931761628468196331"
            m.set_content("This is an aggregate report from Google.")
            m.add_attachment(open(sys.argv[2], "rb").read(), maintype="application", subtype="gzip",
                             filename="google.com!example.org!1764806400!1764892799.xml.gz")
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
            s.sendmail("noreply-dmarc-support@google.com", ["dmarc-reports@example.test"], m.as_bytes(policy=policy.SMTP)); s.quit()
            """, arguments: [smtp, fixture.path])
        #expect(incoming.status == 0, "\(incoming.stderr)")
        let list = try await HatoBinary.run(["report", "list", "--config", served.config])
        #expect(list.stdout.contains("example.org  google.com"), "\(list.stdout)")
        #expect(list.stdout.contains("16 "), "\(list.stdout)")
        let show = try await HatoBinary.run(["report", "show", "1", "--config", served.config])
        #expect(show.stdout.contains("policy: example.org p=quarantine"), "\(show.stdout)")
        #expect(show.stdout.contains("2001:db8::53"), "\(show.stdout)")
        #expect(await served.terminate() == 0)
        try await dns.shutdown()
    }
}
