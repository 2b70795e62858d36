import DNSMessage
import Foundation
import HatoTesting
import MailStore
import Reception
import RiskAssessment
import SMTPServer
import Testing

/// The spam controls through the real MX listener: DNSBL/DNSWL/URIBL against the test DNS
/// server's RFC 5782 test entries, `[[smtp.rules]]` and rate limits. Clients connect from
/// 127.0.0.2 (listed) or 127.0.0.1 (not listed): both are this host's loopback.
@Suite struct SMTPSpamControlTests {
    @Test func dnsblRejectsAtRCPTNamingTheZone() async throws {
        let (dns, resolver) = try await SpamTestDNS.start()
        let recorded = RecordingCounters()
        let checker = BlocklistChecker(resolver: resolver, counters: recorded.counters)
        let policy = DNSListPolicy(checker: checker, blocklists: [SpamTestDNS.zone("bl.test", .dnsbl, action: .reject)])
        let fixture = try await SMTPFixture.start { _ in [DNSBLStage(policy: policy)] }
        let listed = try await fixture.dialog(from: "127.0.0.2", """
            say("EHLO client.remote.test"); say("MAIL FROM:<friend@remote.test>"); say("RCPT TO:<alice@example.test>")
            say("RCPT TO:<postmaster@example.test>"); say("QUIT")
            """)
        #expect(listed.contains("250 2.1.0") && listed.contains("554 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl.test"), "\(listed)")
        #expect(listed.contains("250 2.1.5"), "postmaster stays reachable for a listed client: \(listed)")
        let clean = try await fixture.dialog(from: "127.0.0.1", deliverScript)
        #expect(clean.contains("250 2.1.5") && clean.contains("250 2.0.0 OK queued as"), "\(clean)")
        #expect(try await fixture.inbox("alice@example.test").count == 1)
        #expect(recorded["hato_dnsbl_results_total{kind=dnsbl,zone=bl.test,result=listed}"] == 1, "the RCPT and a later phase share one query")
        #expect(recorded["hato_dnsbl_results_total{kind=dnsbl,zone=bl.test,result=not_listed}"] == 1)
        #expect(recorded["hato_spam_refusals_total{stage=dnsbl,code=554}"] == 1)
        try await fixture.stop()
        try await dns.shutdown()
    }

    @Test func dnsblRejectsAtConnectWhenConfigured() async throws {
        let (dns, resolver) = try await SpamTestDNS.start()
        let policy = DNSListPolicy(checker: BlocklistChecker(resolver: resolver),
                                   blocklists: [SpamTestDNS.zone("bl.test", .dnsbl, action: .reject)], rejectAt: .connect)
        let fixture = try await SMTPFixture.start { _ in [DNSBLStage(policy: policy)] }
        let listed = try await fixture.dialog(from: "127.0.0.2", "")
        #expect(listed == "554 5.7.1 mail.example.test Service unavailable; client [127.0.0.2] blocked using bl.test\n", "\(listed)")
        let clean = try await fixture.dialog(from: "127.0.0.1", "say(\"QUIT\")")
        #expect(clean.hasPrefix("220 "), "\(clean)")
        try await fixture.stop()
        try await dns.shutdown()
    }

    /// Listings in score zones become signals in Hato-Risk; a DNSWL listing lowers the score.
    @Test func listingsAreRiskSignals() async throws {
        let (dns, resolver) = try await SpamTestDNS.start()
        let checker = BlocklistChecker(resolver: resolver)
        let blockOnly = DNSListPolicy(checker: checker, blocklists: [SpamTestDNS.zone("bl.test", .dnsbl)])
        var fixture = try await SMTPFixture.start { store in [DNSBLStage(policy: blockOnly), SMTPFixture.riskStage(store)] }
        let delivered = try await fixture.dialog(from: "127.0.0.2", deliverScript)
        #expect(delivered.contains("250 2.0.0 OK queued as"), "a score zone does not refuse: \(delivered)")
        let spam = try #require(try await fixture.inbox("alice@example.test").first)
        #expect(spam.contains("Hato-Risk: verdict=spam; score=") && spam.contains("dnsbl-listed"), "\(spam)")
        try await fixture.stop()

        let withAllowlist = DNSListPolicy(checker: checker, blocklists: [SpamTestDNS.zone("bl.test", .dnsbl)],
                                          allowlists: [SpamTestDNS.zone("wl.test", .dnswl, weight: 2)])
        fixture = try await SMTPFixture.start { store in [DNSBLStage(policy: withAllowlist), SMTPFixture.riskStage(store)] }
        _ = try await fixture.dialog(from: "127.0.0.2", deliverScript)
        let lowered = try #require(try await fixture.inbox("alice@example.test").first)
        #expect(lowered.contains("Hato-Risk: verdict=clean; score=") && lowered.contains("dnsbl-listed,dnswl-listed"), "\(lowered)")
        try await fixture.stop()
        try await dns.shutdown()
    }

    /// 127.255.255.x (Spamhaus-style error returns) is not a listing; SERVFAIL never rejects:
    /// skipped, or 451 4.4.3 with `spam.dns_error = "defer"`.
    @Test func errorReturnsAndDNSFailuresNeverReject() async throws {
        let (dns, resolver) = try await SpamTestDNS.start()
        dns.setBehavior(.servfail, for: try DNSName("1.0.0.127.broken.test"), .a)
        let recorded = RecordingCounters()
        let zones = [SpamTestDNS.zone("err.test", .dnsbl, action: .reject), SpamTestDNS.zone("broken.test", .dnsbl, action: .reject)]
        let skip = DNSListPolicy(checker: BlocklistChecker(resolver: resolver, counters: recorded.counters), blocklists: zones)
        var fixture = try await SMTPFixture.start { _ in [DNSBLStage(policy: skip)] }
        let errorCode = try await fixture.dialog(from: "127.0.0.2", deliverScript)
        #expect(errorCode.contains("250 2.0.0 OK queued as"), "\(errorCode)")
        let skipped = try await fixture.dialog(from: "127.0.0.1", deliverScript)
        #expect(skipped.contains("250 2.0.0 OK queued as"), "\(skipped)")
        #expect(recorded["hato_dnsbl_results_total{kind=dnsbl,zone=err.test,result=refused}"] == 1)
        #expect(recorded["hato_dnsbl_results_total{kind=dnsbl,zone=broken.test,result=error}"] >= 1)
        try await fixture.stop()

        let deferring = DNSListPolicy(checker: BlocklistChecker(resolver: resolver), blocklists: zones, dnsError: .defer)
        fixture = try await SMTPFixture.start { _ in [DNSBLStage(policy: deferring)] }
        let deferred = try await fixture.dialog(from: "127.0.0.1", """
            say("EHLO client.remote.test"); say("MAIL FROM:<friend@remote.test>"); say("RCPT TO:<alice@example.test>"); say("QUIT")
            """)
        #expect(deferred.contains("451 4.4.3 Temporary DNS failure checking broken.test, try again later"), "\(deferred)")
        try await fixture.stop()
        try await dns.shutdown()
    }

    /// URI blocklists (RFC 5782 §2.3): the link to `test` is listed, `invalid` is not.
    @Test func uriblListingIsASignalOrARejection() async throws {
        let (dns, resolver) = try await SpamTestDNS.start()
        let checker = BlocklistChecker(resolver: resolver)
        let assessor = RiskAssessor(suffixes: .defaultRuleOnly)
        var fixture = try await SMTPFixture.start { store in
            [URIBLStage(checker: checker, zones: [SpamTestDNS.zone("uri.test", .uribl)], assessor: assessor), SMTPFixture.riskStage(store)]
        }
        _ = try await fixture.dialog(from: "127.0.0.1", deliverScript)
        let tagged = try #require(try await fixture.inbox("alice@example.test").first)
        #expect(tagged.contains("Hato-Risk: verdict=spam; score=") && tagged.contains("uribl-listed"), "\(tagged)")
        #expect(dns.queryCount(try DNSName("invalid.uri.test"), .a) >= 1, "the unlisted link domain was asked too (a loaded run may retransmit)")
        let idn = try await fixture.dialog(from: "127.0.0.1", """
            say("EHLO client.remote.test"); say("MAIL FROM:<friend@remote.test>"); say("RCPT TO:<alice@example.test>"); say("DATA")
            s.sendall("From: friend@remote.test\\r\\nContent-Type: text/plain; charset=utf-8\\r\\n\\r\\nhttps://www.例え.test/login\\r\\n.\\r\\n".encode())
            print(hear()); say("QUIT")
            """)
        #expect(idn.contains("250 2.0.0 OK queued as"), "\(idn)")
        #expect(dns.queryCount(try DNSName("xn--r8jz45g.test.uri.test"), .a) >= 1, "an IDN link is queried by its A-labels")
        try await fixture.stop()

        fixture = try await SMTPFixture.start { _ in
            [URIBLStage(checker: checker, zones: [SpamTestDNS.zone("uri.test", .uribl, action: .reject)], assessor: assessor)]
        }
        let refused = try await fixture.dialog(from: "127.0.0.1", deliverScript)
        #expect(refused.contains("554 5.7.1 Message refused: it links to test, listed by uri.test"), "\(refused)")
        #expect(try await fixture.inbox("alice@example.test").isEmpty)
        try await fixture.stop()
        try await dns.shutdown()
    }

    /// `[[smtp.rules]]`: first match wins; deny is 554 5.7.1 at connect, require-tls 530 5.7.0
    /// (RFC 3207 §4) until STARTTLS, allow exempts from later rules and from the DNS lists.
    @Test func perNetworkRules() async throws {
        let recorded = RecordingCounters()
        let rules = SMTPRules([
            SMTPRule(network: IPNetwork("127.0.0.3/32")!, action: .allow),
            SMTPRule(network: IPNetwork("127.0.0.2/32")!, action: .deny),
            SMTPRule(network: IPNetwork("127.0.0.0/8")!, action: .requireTLS),
            SMTPRule(network: IPNetwork("::/0")!, action: .deny),
        ])
        let fixture = try await SMTPFixture.start { _ in [SMTPRulesStage(rules: rules, counters: recorded.counters)] }
        let denied = try await fixture.dialog(from: "127.0.0.2", "")
        #expect(denied == "554 5.7.1 mail.example.test Mail from your network is not accepted here\n", "\(denied)")
        let plaintext = try await fixture.dialog(from: "127.0.0.1", """
            say("EHLO client.remote.test"); say("MAIL FROM:<friend@remote.test>")
            starttls(); say("EHLO client.remote.test"); say("MAIL FROM:<friend@remote.test>"); say("QUIT")
            """)
        let lines = plaintext.split(separator: "\n").map(String.init)
        #expect(lines.count >= 6, "\(plaintext)")
        #expect(lines[2] == "530 5.7.0 Must issue a STARTTLS command first", "\(plaintext)")
        #expect(lines[3].hasPrefix("220 ") && lines[5].hasPrefix("250 2.1.0"), "MAIL is accepted inside TLS: \(plaintext)")
        let allowed = try await fixture.dialog(from: "127.0.0.3", deliverScript)
        #expect(allowed.contains("250 2.0.0 OK queued as"), "\(allowed)")
        #expect(recorded["hato_smtp_rule_matches_total{action=deny}"] == 1)
        #expect(recorded["hato_smtp_rule_matches_total{action=require_tls}"] == 1)
        #expect(recorded["hato_smtp_rule_matches_total{action=allow}"] == 1)
        #expect(recorded["hato_spam_refusals_total{stage=smtp_rules,code=530}"] == 1)
        try await fixture.stop()
    }

    /// Connections per minute (421 4.7.0, closed), messages per hour (451 4.7.1 to MAIL),
    /// recipients per hour per sender domain (451 4.7.1 to RCPT), on a manual clock.
    @Test func rateLimits() async throws {
        let clock = SpamClock()
        let recorded = RecordingCounters()
        let policy = RateLimitPolicy(connectionsPerMinute: 2, messagesPerHour: 1, recipientsPerHour: 2)
        let fixture = try await SMTPFixture.start { _ in [RateLimitStage(policy: policy, counters: recorded.counters, now: clock.function)] }
        let first = try await fixture.dialog(from: "127.0.0.1", """
            say("EHLO client.remote.test"); say("MAIL FROM:<a@remote.test>")
            say("RCPT TO:<alice@example.test>"); say("RCPT TO:<bob@example.test>"); say("RCPT TO:<alice@example.test>")
            say("RSET"); say("MAIL FROM:<b@remote.test>"); say("QUIT")
            """)
        let lines = first.split(separator: "\n").map(String.init)
        #expect(lines.count == 9, "\(first)")
        #expect(lines[3].hasPrefix("250 2.1.5") && lines[4].hasPrefix("250 2.1.5"), "\(first)")
        #expect(lines[5] == "451 4.7.1 Too many recipients from this sender, try again later", "\(first)")
        #expect(lines[7] == "451 4.7.1 Too many messages from your network, try again later", "\(first)")
        let second = try await fixture.dialog(from: "127.0.0.1", "say(\"QUIT\")")
        #expect(second.hasPrefix("220 "), "\(second)")
        let third = try await fixture.dialog(from: "127.0.0.1", "")
        #expect(third == "421 4.7.0 mail.example.test Too many connections from your network, try again later\n", "\(third)")
        let otherNetwork = try await fixture.dialog(from: "127.0.0.9", "say(\"QUIT\")")
        #expect(otherNetwork.hasPrefix("220 "), "each /32 has its own count: \(otherNetwork)")
        clock.advance(120)
        let later = try await fixture.dialog(from: "127.0.0.1", "say(\"QUIT\")")
        #expect(later.hasPrefix("220 "), "\(later)")
        #expect(recorded["hato_rate_limited_total{limit=connections}"] == 1)
        #expect(recorded["hato_rate_limited_total{limit=messages}"] == 1)
        #expect(recorded["hato_rate_limited_total{limit=recipients}"] == 1)
        try await fixture.stop()
    }
}
