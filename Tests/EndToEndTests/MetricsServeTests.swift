import Foundation
import HatoTesting
import Testing

/// `/metrics` on the admin listener of `hato serve`: a message received over SMTP and a failed
/// login show up in the counters, and the scrape passes `promtool check metrics` (Debian's
/// `prometheus` package), which checks the exposition format and Prometheus' naming rules.
@Suite struct MetricsServeTests {
    static let promtool = "/usr/bin/promtool"
    static var promtoolAvailable: Bool { FileManager.default.isExecutableFile(atPath: promtool) }

    @Test(.enabled(if: promtoolAvailable || Python.requiredInCI, "promtool is not installed: apt-get install prometheus"))
    func deliveredMessageIsCountedAndTheScrapeIsValid() async throws {
        // remote.test: SPF allows loopback, DMARC p=none, no DKIM key.
        let dns = try await TestDNSServer.start(zoneText: """
            $ORIGIN test.
            remote 300 TXT "v=spf1 ip4:127.0.0.0/8 -all"
            _dmarc.remote 300 TXT "v=DMARC1; p=none"
            """)
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            submissions = ["127.0.0.1:0"]
            http = ["127.0.0.1:0"]
            admin = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [dns]
            servers = ["\(dns.address)"]
            """, accounts: [("alice@example.test", "alice long pw")])
        let values = """
            import sys, re, urllib.request
            text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=20).read().decode()
            def value(series):
                for line in text.splitlines():
                    if line.startswith(series + " "): return float(line.split()[-1])
                return 0.0
            for series in sys.argv[2:]: print(series, value(series))
            """
        let series = [
            #"hato_messages_delivered_total{destination="local"}"#, #"hato_messages_received_total{listener="smtp",result="accepted"}"#,
            #"hato_connections_total{listener="smtp"}"#, #"hato_auth_failures_total{listener="submissions"}"#,
            #"hato_queue_messages"#, #"hato_spf_results_total{result="pass"}"#, #"hato_dkim_results_total{result="none"}"#,
            #"hato_dmarc_results_total{result="pass"}"#,
        ]
        let admin = try served.port("admin")
        let before = try await Python.run(values, arguments: [admin] + series)
        #expect(before.stdout == series.map { "\($0) 0.0\n" }.joined(), "\(before.stderr)")

        let sent = try await Python.run("""
            import base64, smtplib, ssl, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
            s.sendmail("friend@remote.test", ["alice@example.test"], b"From: friend@remote.test\\r\\nSubject: counted\\r\\n\\r\\nhello\\r\\n"); s.quit()
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[2]), context=ctx)
            s.ehlo(); print(s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\\0alice@example.test\\0wrong password").decode())[0])
            s.quit()
            """, arguments: [try served.port("smtp"), try served.port("submissions")])
        #expect(sent.stdout == "535\n", "\(sent.stderr)")

        let after = try await Python.run(values, arguments: [admin] + series)
        #expect(after.stdout == zip(series, ["1.0", "1.0", "1.0", "1.0", "0.0", "1.0", "1.0", "1.0"]).map { "\($0) \($1)\n" }.joined(), "\(after.stderr)")

        let scrape = try await Python.run("""
            import sys, urllib.request
            sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=20).read().decode())
            """, arguments: [admin])
        #expect(scrape.stdout.contains(#"hato_tls_handshakes_total{listener="submissions",version="TLSv1.3"} 1"#), "\(scrape.stdout)")
        #expect(scrape.stdout.contains("# TYPE hato_http_request_duration_seconds histogram"))
        let check = try ChildProcess(executable: URL(fileURLWithPath: Self.promtool), arguments: ["check", "metrics"])
        check.write(scrape.stdout)
        check.closeInput()
        let status = await check.exit(timeout: .seconds(60))
        #expect(status == 0, "promtool: \(check.output) \(check.errorOutput)\n\(scrape.stdout)")
        #expect(await served.terminate() == 0)
        try await dns.shutdown()
    }

    /// Every metric the server exposes is described in docs/metrics.md.
    @Test func everyExposedMetricIsDocumented() async throws {
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            admin = ["127.0.0.1:0"]
            """)
        let scrape = try await Python.run("""
            import sys, urllib.request
            urllib.request.urlopen("http://127.0.0.1:%s/healthz" % sys.argv[1], timeout=20).read()
            text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=20).read().decode()
            print("\\n".join(sorted({l.split()[2] for l in text.splitlines() if l.startswith("# TYPE ")})))
            """, arguments: [try served.port("admin")])
        #expect(await served.terminate() == 0)
        let docs = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/metrics.md"), encoding: .utf8)
        let names = scrape.stdout.split(separator: "\n")
        #expect(names.count >= 10, "\(scrape.stdout) \(scrape.stderr)")
        for name in names {
            #expect(docs.contains("`\(name)`"), "docs/metrics.md does not describe \(name)")
        }
    }
}
