import DNSClient
import DNSMessage
import Foundation
import HatoTesting
import MailAuth
import MailCore
import MailStore
import Reception
import SMTPServer
import Testing

/// DKIM, ARC and DMARC at the end of DATA on the MX listener, over SMTP with the test DNS server.
@Suite struct SMTPDMARCTests {
    /// An RSA key made by openssl: PKCS#1 PEM for dkimpy and the DNS TXT record.
    static func makeKey() async throws -> (pem: String, zoneValue: String) {
        let output = try await Python.run("""
            import subprocess, base64
            pem = subprocess.run(["openssl", "genrsa", "-traditional", "2048"], capture_output=True, check=True).stdout
            der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=pem, capture_output=True, check=True).stdout
            print(pem.decode().strip().replace("\\n", "|"))
            print(base64.b64encode(der).decode())
            """)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        guard output.status == 0, lines.count == 2 else { throw ConformanceFailure("openssl: \(output.stderr)") }
        let record = "v=DKIM1; k=rsa; p=\(lines[1])"
        var chunks: [String] = []
        var rest = Substring(record)
        while !rest.isEmpty { chunks.append("\"\(rest.prefix(200))\""); rest = rest.dropFirst(200) }
        return (lines[0].replacingOccurrences(of: "|", with: "\n") + "\n", chunks.joined(separator: " "))
    }

    struct Setup {
        let fixture: SMTPFixture
        let dns: TestDNSServer
        let pem: String
    }

    static func start(trustedForwarders: [String] = [], trustedARCSealers: [String] = []) async throws -> Setup {
        let key = try await makeKey()
        let zone = """
            $ORIGIN test.
            bank            TXT "v=spf1 ip4:192.0.2.1 -all"
            _dmarc.bank     TXT "v=DMARC1; p=reject; rua=mailto:dmarc@bank.test"
            signer          TXT "v=spf1 ip4:192.0.2.1 -all"
            _dmarc.signer   TXT "v=DMARC1; p=reject"
            sel._domainkey.signer TXT \(key.zoneValue)
            _dmarc.shop     TXT "v=DMARC1; p=quarantine"
            forwarder       TXT "v=spf1 ip4:127.0.0.0/8 -all"
            arc._domainkey.forwarder TXT \(key.zoneValue)
            """
        let dns = try await TestDNSServer.start(zoneText: zone)
        // One query per question: SMTPHeaderPrefetchTests counts them, and on a loaded machine the
        // in-process server can be slower than the resolver's early retransmission.
        let resolver = DNSClient(configuration: DNSClientConfiguration(servers: [DNSServer(parsing: dns.address)!],
                                                                       timeout: .seconds(8), attempts: 1))
        let inbound = InboundAuthenticationPolicy(authenticator: InboundAuthenticator(
            resolver: resolver, authservID: "mail.example.test", localPolicy: DMARCLocalPolicy(trustedForwarders: trustedForwarders, trustedARCSealers: trustedARCSealers)))
        let fixture = try await SMTPFixture.start(profile: .mx, spf: SPFPolicy(resolver: resolver), inbound: inbound)
        return Setup(fixture: fixture, dns: dns, pem: key.pem)
    }

    /// Sends `message` (after the Python `prepare` step, which may sign it) and prints the result.
    func send(_ setup: Setup, from: String, message: String, prepare: String = "") async throws -> String {
        let output = try await Python.run("""
            import smtplib, sys, dkim
            key = sys.argv[3].encode()
            msg = sys.argv[2].encode()
            \(prepare)
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.test")
            try:
                print(s.sendmail(sys.argv[4], ["alice@example.test"], msg))
            except smtplib.SMTPDataError as e: print(e.smtp_code, e.smtp_error.decode())
            s.quit()
            """, arguments: [setup.fixture.port, message, setup.pem, from])
        #expect(output.status == 0, "\(output.stderr)")
        return output.stdout
    }

    func mailbox(_ setup: Setup, _ name: String) async throws -> [(body: String, keywords: [String])] {
        let store = setup.fixture.store
        let account = try #require(try await store.account(try EmailAddress("alice@example.test")))
        let mailbox = try #require(try await store.mailbox(of: account.id, named: name))
        var result: [(String, [String])] = []
        for message in try await store.messages(in: mailbox.id) {
            result.append((String(decoding: try await store.readBody(message.body), as: UTF8.self), message.flags.keywords))
        }
        return result
    }

    func stop(_ setup: Setup) async throws {
        try await setup.fixture.stop()
        try await setup.dns.shutdown()
    }

    static let body = "To: alice@example.test\r\nSubject: hello\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m1@x.test>\r\n\r\nHello.\r\n"

    @Test func spoofedFromIsRefusedAndRecorded() async throws {
        let setup = try await Self.start()
        let reply = try await send(setup, from: "ceo@bank.test", message: "From: CEO <ceo@bank.test>\r\n" + Self.body)
        #expect(reply == "550 5.7.1 Rejected by DMARC policy of bank.test (p=reject): From bank.test is not aligned with an authenticated SPF or DKIM domain\n")
        #expect(try await mailbox(setup, "INBOX").isEmpty)
        let records = try await setup.fixture.store.dmarcEvaluations(from: .distantPast, to: .distantFuture, headerFrom: "bank.test")
        let record = try #require(records.first)
        #expect(records.count == 1)
        #expect(record.result == "fail")
        #expect(record.disposition == "reject")
        #expect(record.sourceIP == "127.0.0.1")
        #expect(record.envelopeFrom == "bank.test")
        #expect(record.envelopeTo == ["example.test"])
        #expect(record.spfResult == "fail")
        #expect(record.policy?.p == "reject")
        #expect(record.reportURIs == ["mailto:dmarc@bank.test"])
        try await stop(setup)
    }

    @Test func dkimpySignedMessagePasses() async throws {
        let setup = try await Self.start()
        let sign = """
            msg = dkim.sign(msg, b"sel", b"signer.test", key, include_headers=[b"from", b"to", b"subject", b"date", b"message-id"]) + msg
            """
        let reply = try await send(setup, from: "news@bounces.other.test", message: "From: News <news@signer.test>\r\n" + Self.body, prepare: sign)
        #expect(reply == "{}\n")
        let inbox = try await mailbox(setup, "INBOX")
        let stored = try #require(inbox.first).body
        #expect(stored.contains("Authentication-Results: mail.example.test;\r\n\tspf=none smtp.mailfrom=news@bounces.other.test;\r\n\tspf=none smtp.helo=client.test;\r\n\tdkim=pass header.d=signer.test header.s=sel header.a=rsa-sha256 header.b="), "\(stored)")
        #expect(stored.contains("dmarc=pass (p=reject dis=none) header.from=signer.test policy.dmarc=none;\r\n\tarc=none smtp.remote-ip=127.0.0.1\r\n"), "\(stored)")
        #expect(stored.contains("Received-SPF: none"))
        let records = try await setup.fixture.store.dmarcEvaluations(from: .distantPast, to: .distantFuture, headerFrom: nil)
        #expect(records.map(\.result) == ["pass"])
        #expect(records.first?.dkimAligned == true)
        #expect(records.first?.dkim.first?.domain == "signer.test")
        try await stop(setup)
    }

    @Test func quarantineGoesToJunk() async throws {
        let setup = try await Self.start()
        let reply = try await send(setup, from: "sale@shop.test", message: "From: sale@shop.test\r\n" + Self.body)
        #expect(reply == "{}\n")
        #expect(try await mailbox(setup, "INBOX").isEmpty)
        let junk = try await mailbox(setup, "Junk")
        #expect(junk.count == 1)
        #expect(junk.first?.keywords == ["$Junk"])
        #expect(junk.first?.body.contains("dmarc=fail (p=quarantine dis=quarantine) header.from=shop.test policy.dmarc=quarantine") == true)
        try await stop(setup)
    }

    /// A list at forwarder.test changes the Subject (breaking DKIM) and seals with dkimpy's ARC;
    /// with the sealer trusted the message is delivered and the ARC verdict is recorded. A chain
    /// broken after sealing, or an untrusted sealer, gets the p=reject refusal.
    @Test func forwardedMessageKeepsItsVerdictThroughARC() async throws {
        let forward = """
            msg = dkim.sign(msg, b"sel", b"signer.test", key, include_headers=[b"from", b"to", b"subject"]) + msg
            msg = msg.replace(b"Subject: hello", b"Subject: [list] hello")
            msg = b"Authentication-Results: mx.forwarder.test; dkim=pass header.d=signer.test; dmarc=pass header.from=signer.test; arc=none\\r\\n" + msg
            msg = b"".join(dkim.arc_sign(msg, b"arc", b"forwarder.test", key, b"mx.forwarder.test")) + msg
            """
        let message = "From: News <news@signer.test>\r\n" + Self.body
        let trusted = try await Self.start(trustedARCSealers: ["forwarder.test"])
        #expect(try await send(trusted, from: "list-bounces@forwarder.test", message: message, prepare: forward) == "{}\n")
        let stored = try #require(try await mailbox(trusted, "INBOX").first).body
        #expect(stored.contains("spf=pass smtp.mailfrom=list-bounces@forwarder.test"), "\(stored)")
        #expect(stored.contains("dkim=fail reason=\"signature did not verify\" header.d=signer.test"), "\(stored)")
        #expect(stored.contains("dmarc=fail (p=reject dis=none override=trusted_forwarder) header.from=signer.test policy.dmarc=reject"), "\(stored)")
        #expect(stored.contains("arc=pass (i=1) header.oldest-pass=0 smtp.remote-ip=127.0.0.1"), "\(stored)")
        // The forwarder's recorded verdict travels in the sealed ARC-Authentication-Results.
        #expect(stored.contains("ARC-Authentication-Results: i=1; mx.forwarder.test"), "\(stored)")
        let records = try await trusted.fixture.store.dmarcEvaluations(from: .distantPast, to: .distantFuture, headerFrom: "signer.test")
        #expect(records.map(\.policyOverride) == ["trusted_forwarder"])

        let broken = forward + "\nmsg = msg.replace(b\"Hello.\", b\"Hello, changed after sealing.\")"
        #expect(try await send(trusted, from: "list-bounces@forwarder.test", message: message, prepare: broken)
            .hasPrefix("550 5.7.1 Rejected by DMARC policy of signer.test"))
        try await stop(trusted)

        let untrusted = try await Self.start()
        let reply = try await send(untrusted, from: "list-bounces@forwarder.test", message: message, prepare: forward)
        #expect(reply.hasPrefix("550 5.7.1 Rejected by DMARC policy of signer.test"))
        try await stop(untrusted)
    }
}
