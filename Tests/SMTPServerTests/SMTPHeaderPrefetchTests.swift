import DNSMessage
import Foundation
import HatoTesting
import Testing

/// The DMARC policy and DKIM key lookups start when the header section has arrived, while the
/// client is still sending the body (issue 15: checks that need DNS start as early as their
/// input is known), and the checks at the end of DATA still give the same verdict.
@Suite struct SMTPHeaderPrefetchTests {
    @Test func policyAndKeyLookupsStartWhileTheBodyStreams() async throws {
        let setup = try await SMTPDMARCTests.start()
        // Signed by dkimpy, then sent by hand: header and first body line, a pause until the test
        // says go, then the rest and the final dot.
        let client = try Python.start("""
            import smtplib, sys, dkim
            key = sys.argv[2].encode()
            msg = ("From: News <news@signer.test>\\r\\n" + sys.argv[3]).encode()
            msg = dkim.sign(msg, b"sel", b"signer.test", key, include_headers=[b"from", b"to", b"subject"]) + msg
            header, body = msg.split(b"\\r\\n\\r\\n", 1)
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.test")
            s.ehlo(); s.mail("news@bounces.other.test"); s.rcpt("alice@example.test")
            code, _ = s.docmd("DATA"); assert code == 354, code
            s.send(header + b"\\r\\n\\r\\n" + body[:7])
            print("header sent", flush=True)
            sys.stdin.readline()
            s.send(body[7:] + b".\\r\\n")
            print(s.getreply()[0], flush=True)
            s.quit()
            """, arguments: [setup.fixture.port, setup.pem, SMTPDMARCTests.body])
        try await client.waitFor("the header to be sent") { out, _ in out.contains("header sent") }
        let policy = try DNSName("_dmarc.signer.test"), key = try DNSName("sel._domainkey.signer.test")
        let deadline = ContinuousClock.now + .seconds(20)
        while setup.dns.queryCount(policy, .txt) == 0 || setup.dns.queryCount(key, .txt) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(setup.dns.queryCount(policy, .txt) > 0, "DMARC policy looked up before the final dot")
        #expect(setup.dns.queryCount(key, .txt) > 0, "DKIM key looked up before the final dot")
        client.write("go\n")
        #expect(await client.exit(timeout: 60) == 0, "\(client.errorOutput)")
        #expect(client.outputLines.last == "250")
        // The resolver answered the end-of-DATA checks from what the prefetch fetched.
        #expect(setup.dns.queryCount(key, .txt) == 1)
        let inbox = try await SMTPDMARCTests().mailbox(setup, "INBOX")
        #expect(try #require(inbox.first).body.contains("dkim=pass header.d=signer.test"))
        try await SMTPDMARCTests().stop(setup)
    }

    /// The envelope sender's DMARC policy is looked up at MAIL FROM (`DMARCPrefetchStage`),
    /// before any header arrives: on a lossy resolver its retransmissions overlap SPF and the
    /// RCPT and DATA round trips.
    @Test func envelopeDomainPolicyIsLookedUpAtMailFrom() async throws {
        let setup = try await SMTPDMARCTests.start()
        let client = try Python.start("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.test")
            s.ehlo(); s.mail("news@bounces.other.test"); s.rcpt("alice@example.test")
            print("envelope sent", flush=True)
            sys.stdin.readline()
            s.quit()
            """, arguments: [setup.fixture.port])
        try await client.waitFor("the envelope to be sent") { out, _ in out.contains("envelope sent") }
        let policy = try DNSName("_dmarc.bounces.other.test")
        let deadline = ContinuousClock.now + .seconds(20)
        while setup.dns.queryCount(policy, .txt) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(setup.dns.queryCount(policy, .txt) > 0, "the MAIL FROM domain's DMARC policy looked up before DATA")
        client.write("go\n")
        #expect(await client.exit(timeout: 60) == 0, "\(client.errorOutput)")
        try await SMTPDMARCTests().stop(setup)
    }
}
