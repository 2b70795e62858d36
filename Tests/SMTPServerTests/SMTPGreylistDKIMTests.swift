import DNSClient
import DNSMessage
import Foundation
import HatoTesting
import MailAuth
import Reception
import SMTPServer
import Testing

/// The greylist's auto-whitelist through a DKIM pass (no SPF record): at the end of DATA a
/// message whose DKIM d= is the MAIL FROM domain counts as an authenticated pass, and once the
/// domain has `auto_whitelist` passes its mail is no longer greylisted.
@Suite struct SMTPGreylistDKIMTests {
    @Test func dkimPassingSendersAreWhitelisted() async throws {
        let key = try await SMTPDMARCTests.makeKey()
        let dns = try await TestDNSServer.start(zoneText: """
            $ORIGIN test.
            sel._domainkey.signer TXT \(key.zoneValue)
            """)
        let resolver = DNSClient(configuration: DNSClientConfiguration(servers: [DNSServer(parsing: dns.address)!], timeout: .seconds(8)))
        let inbound = InboundAuthenticationPolicy(authenticator: InboundAuthenticator(resolver: resolver, authservID: "mail.example.test"))
        let clock = SpamClock()
        var policy = GreylistPolicy()
        policy.delay = 300
        policy.retryWindow = 3600
        policy.phase = .data
        policy.autoWhitelistPasses = 2
        let fixture = try await SMTPFixture.start(spf: SPFPolicy(resolver: resolver), inbound: inbound) { store in
            [GreylistStage(policy: policy, store: store, now: clock.function)]
        }
        let result = try await Python.run("""
            import smtplib, sys, dkim
            port, key = int(sys.argv[1]), sys.argv[2].encode()
            def send(sender, sign):
                msg = ("From: %s\\r\\nTo: alice@example.test\\r\\nSubject: news\\r\\nMessage-ID: <%s@x>\\r\\n\\r\\nHello.\\r\\n" % (sender, sender)).encode()
                if sign:
                    msg = dkim.sign(msg, b"sel", b"signer.test", key, include_headers=[b"from", b"to", b"subject"]) + msg
                s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test")
                try:
                    s.sendmail(sender, ["alice@example.test"], msg); print(sender, "250")
                except smtplib.SMTPDataError as e: print(sender, e.smtp_code)
                s.quit()
            send("news@signer.test", True)    # pass 1 recorded, still greylisted
            send("news@signer.test", True)    # pass 2: whitelisted although the retry is early
            send("news@unsigned.test", False)
            send("news@unsigned.test", False) # an early retry without authentication stays greylisted
            """, arguments: [fixture.port, key.pem])
        #expect(result.stdout == """
            news@signer.test 451
            news@signer.test 250
            news@unsigned.test 451
            news@unsigned.test 451

            """, "\(result.stdout) \(result.stderr)")
        #expect(try await fixture.store.greylistPasses(domain: "signer.test", since: .distantPast) == 2)
        #expect(try await fixture.store.greylistPasses(domain: "unsigned.test", since: .distantPast) == 0)
        try await fixture.stop()
        try await dns.shutdown()
    }
}
