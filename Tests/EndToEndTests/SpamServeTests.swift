import Foundation
import HatoTesting
import Testing

/// The spam controls configured in hato.toml and served by the real binary: a DNSBL reject zone
/// (the RFC 5782 test entry 127.0.0.2 on the in-process DNS server), greylisting and a deny rule,
/// each refusing with its reply and counted in /metrics.
@Suite struct SpamServeTests {
    @Test func configuredControlsRefuseAndAreCounted() async throws {
        let dns = try await TestDNSServer.start(zoneText: """
            2.0.0.127.bl.test. 300 A 127.0.0.2
            """, group: TestDNSServer.isolatedGroup)
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            admin = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [dns]
            servers = ["\(dns.address)"]
            timeout = 20
            [greylist]
            enabled = "on"
            [[spam.dnsbl]]
            zone = "bl.test"
            action = "reject"
            [[smtp.rules]]
            cidr = "127.0.0.3"
            action = "deny"
            """, accounts: [("alice@example.test", "alice long pw")])
        let dialog = """
            import socket, sys
            def run(source):
                s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60, source_address=(source, 0))
                f = s.makefile("rb")
                def hear():
                    while True:
                        line = f.readline().decode().rstrip("\\r\\n")
                        if len(line) < 4 or line[3] != "-": return line
                greeting = hear()
                if not greeting.startswith("220"): return greeting
                for command in ["EHLO client.remote.test", "MAIL FROM:<friend@remote.test>", "RCPT TO:<alice@example.test>"]:
                    s.sendall(command.encode() + b"\\r\\n"); reply = hear()
                s.sendall(b"QUIT\\r\\n"); hear()
                return reply
            for source in ["127.0.0.2", "127.0.0.1", "127.0.0.3"]: print(run(source))
            """
        let replies = try await Python.run(dialog, arguments: [try served.port("smtp")])
        #expect(replies.stdout.split(separator: "\n").map(String.init) == [
            "554 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl.test",
            "451 4.7.1 Greylisted, please try again in 300 seconds",
            "554 5.7.1 mail.example.test Mail from your network is not accepted here",
        ], "\(replies.stdout) \(replies.stderr)")

        let series = [
            #"hato_dnsbl_results_total{kind="dnsbl",zone="bl.test",result="listed"}"#,
            #"hato_dnsbl_results_total{kind="dnsbl",zone="bl.test",result="not_listed"}"#,
            #"hato_spam_refusals_total{stage="dnsbl",code="554"}"#,
            #"hato_greylist_results_total{result="new"}"#,
            #"hato_spam_refusals_total{stage="greylist",code="451"}"#,
            #"hato_smtp_rule_matches_total{action="deny"}"#,
            #"hato_spam_refusals_total{stage="smtp_rules",code="554"}"#,
        ]
        #expect(try await MetricsScrape.values(port: try served.port("admin"), series) == series.map { "\($0) 1" })
        #expect(await served.terminate() == 0)
        try await dns.shutdown()
    }
}
