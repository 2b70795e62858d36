import DNSClient
import DNSMessage
import Foundation
import HatoTesting
import Reception
import SMTPServer
import Testing

/// SPF at MAIL FROM on the MX listener, with DNS from the test DNS server over the wire.
@Suite struct SMTPSPFTests {
    static let zone = """
        $ORIGIN test.
        good    300 TXT "v=spf1 ip4:127.0.0.0/8 -all"
        bad     300 TXT "v=spf1 ip4:192.0.2.1 -all"
        soft    300 TXT "v=spf1 ~all"
        """

    func send(_ fixture: SMTPFixture, from: String) async throws -> String {
        try await Python.run("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.good.test")
            try:
                print(s.sendmail(sys.argv[2], ["alice@example.test"], b"Authentication-Results: mail.example.test; spf=pass smtp.mailfrom=forged\\r\\nSubject: spf\\r\\n\\r\\nx\\r\\n"))
            except smtplib.SMTPSenderRefused as e: print(e.smtp_code, e.smtp_error.decode())
            s.quit()
            """, arguments: [fixture.port, from]).stdout
    }

    @Test func recordsVerdictsAndRejectsFailWhenConfigured() async throws {
        let dns = try await TestDNSServer.start(zoneText: Self.zone)
        let resolver = DNSClient(configuration: DNSClientConfiguration(servers: [DNSServer(parsing: dns.address)!], timeout: .seconds(8)))
        let fixture = try await SMTPFixture.start(profile: .mx, spf: SPFPolicy(resolver: resolver, fail: .reject, temperror: .defer))
        dns.setBehavior(.servfail, for: try DNSName("broken.test"), .txt)

        #expect(try await send(fixture, from: "someone@good.test") == "{}\n")
        #expect(try await send(fixture, from: "someone@soft.test") == "{}\n")
        #expect(try await send(fixture, from: "someone@bad.test") == "550 5.7.23 SPF validation failed\n")
        #expect(try await send(fixture, from: "someone@broken.test") == "451 4.7.24 SPF validation error, try again later\n")

        let inbox = try await fixture.inbox("alice@example.test")
        // #require: indexing a shorter inbox would crash the whole test process.
        try #require(inbox.count == 2, "\(inbox)")
        let good = inbox[0]
        // The HELO name client.good.test publishes no SPF record: none, checked separately (RFC 7208 §2.3).
        #expect(good.contains("Authentication-Results: mail.example.test;\r\n\tspf=pass smtp.mailfrom=someone@good.test;\r\n\tspf=none smtp.helo=client.good.test\r\n"), "\(good)")
        #expect(good.contains("Received-SPF: pass (mail.example.test: domain of someone@good.test designates 127.0.0.1 as permitted sender)"))
        #expect(good.contains("identity=mailfrom; mechanism=\"ip4:127.0.0.0/8\""))
        #expect(!good.contains("smtp.mailfrom=forged"), "a forged Authentication-Results with our authserv-id is removed")
        #expect(inbox[1].contains("spf=softfail smtp.mailfrom=someone@soft.test"))
        try await fixture.stop()
        try await dns.shutdown()
    }
}
