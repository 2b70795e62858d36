import DNSMessage
import Foundation
import HatoTesting
import MailAuth
import MailStore
import Reception
import SMTPServer
import Testing

/// Greylisting through the real MX listener on a manual clock (nothing sleeps): the first
/// attempt and an early retry get 451 4.7.1, a retry after the delay is accepted, and the
/// triplet is then known. Swaks, a client nobody here wrote, sees the same.
@Suite struct SMTPGreylistTests {
    static var policy: GreylistPolicy {
        var policy = GreylistPolicy()
        policy.delay = 300
        policy.retryWindow = 3600
        return policy
    }

    let rcptScript = """
        say("EHLO client.remote.test"); say("MAIL FROM:<friend@remote.test>"); say("RCPT TO:<alice@example.test>"); say("QUIT")
        """

    @Test func firstAttemptEarlyRetryThenAccepted() async throws {
        let clock = SpamClock()
        let recorded = RecordingCounters()
        let fixture = try await SMTPFixture.start { store in
            [GreylistStage(policy: Self.policy, store: store, counters: recorded.counters, now: clock.function)]
        }
        let first = try await fixture.dialog(rcptScript)
        #expect(first.contains("451 4.7.1 Greylisted, please try again in 300 seconds"), "\(first)")
        clock.advance(100)
        let early = try await fixture.dialog(rcptScript)
        #expect(early.contains("451 4.7.1 Greylisted, please try again in 200 seconds"), "\(early)")
        clock.advance(201)
        let retry = try await fixture.dialog(deliverScript)
        #expect(retry.contains("250 2.1.5") && retry.contains("250 2.0.0 OK queued as"), "\(retry)")
        clock.advance(86_400)
        let known = try await fixture.dialog(rcptScript)
        #expect(known.contains("250 2.1.5"), "a known triplet passes at once: \(known)")
        // Another sender from the same /24 is a new triplet.
        let other = try await fixture.dialog(from: "127.0.0.77", """
            say("EHLO client.remote.test"); say("MAIL FROM:<other@remote.test>"); say("RCPT TO:<alice@example.test>"); say("QUIT")
            """)
        #expect(other.contains("451 4.7.1 Greylisted"), "\(other)")
        let stored = try await fixture.store.greylistRecord(
            GreylistTriplet(network: "127.0.0.0/24", sender: "friend@remote.test", recipient: "alice@example.test"))
        #expect(stored?.passed == true)
        #expect(recorded["hato_greylist_results_total{result=new}"] == 2)
        #expect(recorded["hato_greylist_results_total{result=early}"] == 1)
        #expect(recorded["hato_greylist_results_total{result=passed}"] == 1)
        #expect(recorded["hato_greylist_results_total{result=known}"] == 1)
        #expect(recorded["hato_spam_refusals_total{stage=greylist,code=451}"] == 3)
        try await fixture.stop()
    }

    /// `greylist.at = "data"`: the whole message is refused after DATA, then accepted.
    @Test func afterDataWhenConfigured() async throws {
        let clock = SpamClock()
        var policy = Self.policy
        policy.phase = .data
        let fixture = try await SMTPFixture.start { store in [GreylistStage(policy: policy, store: store, now: clock.function)] }
        let first = try await fixture.dialog(deliverScript)
        #expect(first.contains("250 2.1.5") && first.contains("451 4.7.1 Greylisted, please try again in 300 seconds"), "\(first)")
        clock.advance(301)
        let retry = try await fixture.dialog(deliverScript)
        #expect(retry.contains("250 2.0.0 OK queued as"), "\(retry)")
        #expect(try await fixture.inbox("alice@example.test").count == 1)
        try await fixture.stop()
    }

    /// Never greylisted: DNSWL-listed clients, `allow` networks, submission, and a sender domain
    /// that passed SPF in enough earlier messages (and passes now).
    @Test func whitelists() async throws {
        let (dns, resolver) = try await SpamTestDNS.start()
        let clock = SpamClock()
        let lists = DNSListPolicy(checker: BlocklistChecker(resolver: resolver), blocklists: [],
                                  allowlists: [SpamTestDNS.zone("wl.test", .dnswl)])
        let rules = SMTPRules([SMTPRule(network: IPNetwork("127.0.0.3")!, action: .allow)])
        var policy = Self.policy
        policy.autoWhitelistPasses = 2
        let fixture = try await SMTPFixture.start(spf: SPFPolicy(resolver: resolver)) { store in
            [GreylistStage(policy: policy, store: store, lists: lists, rules: rules, now: clock.function)]
        }
        #expect(try await fixture.dialog(from: "127.0.0.2", rcptScript).contains("250 2.1.5"), "DNSWL-listed")
        #expect(try await fixture.dialog(from: "127.0.0.3", rcptScript).contains("250 2.1.5"), "smtp.rules allow")
        let spfScript = """
            say("EHLO client.remote.test"); say("MAIL FROM:<news@good.test>"); say("RCPT TO:<alice@example.test>"); say("QUIT")
            """
        #expect(try await fixture.dialog(spfScript).contains("451 4.7.1 Greylisted"), "no passes recorded yet")
        try await fixture.store.recordGreylistPass(domain: "good.test", at: clock.now)
        try await fixture.store.recordGreylistPass(domain: "good.test", at: clock.now)
        let whitelisted = try await fixture.dialog(from: "127.0.0.5", spfScript)
        #expect(whitelisted.contains("250 2.1.5"), "two SPF-passing messages before, SPF pass now: \(whitelisted)")
        try await fixture.stop()
        try await dns.shutdown()

        let submission = try await SMTPFixture.start(profile: .submission) { store in
            [GreylistStage(policy: policy, store: store, now: clock.function)]
        }
        let result = try await Python.run("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
            s.login("alice@example.test", sys.argv[2])
            print(s.sendmail("alice@example.test", ["bob@example.test"], b"From: alice@example.test\\r\\nSubject: s\\r\\n\\r\\nx\\r\\n"))
            s.quit()
            """, arguments: [submission.port, SMTPFixture.password])
        #expect(result.stdout == "{}\n", "submission is never greylisted: \(result.stderr)")
        try await submission.stop()
    }

    /// An SPF-passing message counts for the auto-whitelist at the end of DATA.
    @Test func authenticatedMessagesAreCounted() async throws {
        let (dns, resolver) = try await SpamTestDNS.start()
        let clock = SpamClock()
        let fixture = try await SMTPFixture.start(spf: SPFPolicy(resolver: resolver)) { store in
            [GreylistStage(policy: Self.policy, store: store, rules: SMTPRules([SMTPRule(network: IPNetwork("127.0.0.0/8")!, action: .allow)]),
                           now: clock.function)]
        }
        _ = try await fixture.dialog("""
            say("EHLO client.remote.test"); say("MAIL FROM:<news@good.test>"); say("RCPT TO:<alice@example.test>"); say("DATA")
            s.sendall(b"From: news@good.test\\r\\nSubject: n\\r\\n\\r\\nx\\r\\n.\\r\\n"); print(hear()); say("QUIT")
            """)
        #expect(try await fixture.store.greylistPasses(domain: "good.test", since: clock.now.addingTimeInterval(-60)) == 1)
        #expect(try await fixture.store.greylistPasses(domain: "remote.test", since: .distantPast) == 0)
        try await fixture.stop()
        try await dns.shutdown()
    }

    @Test func swaksSeesGreylistingThenDelivers() async throws {
        guard let swaks = SwaksInteropTests.swaks else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("swaks missing in CI: .ci/run installs it") }
            return
        }
        let clock = SpamClock()
        let fixture = try await SMTPFixture.start { store in [GreylistStage(policy: Self.policy, store: store, now: clock.function)] }
        func run() async throws -> String {
            let process = try ChildProcess(executable: URL(fileURLWithPath: swaks), arguments: [
                "--server", "127.0.0.1", "--port", fixture.port, "--from", "friend@remote.test", "--to", "alice@example.test",
                "--helo", "client.remote.test", "--header", "Subject: greylisted", "--body", "retried"])
            process.closeInput()
            _ = await process.exit(timeout: 60)
            return process.output + process.errorOutput
        }
        let first = try await run()
        #expect(first.contains("<** 451 4.7.1 Greylisted, please try again in 300 seconds"), "\(first)")
        clock.advance(60)
        #expect(try await run().contains("<** 451 4.7.1 Greylisted, please try again in 240 seconds"))
        clock.advance(300)
        let retried = try await run()
        #expect(retried.contains("<-  250 2.0.0 OK queued as"), "\(retried)")
        #expect(try await fixture.inbox("alice@example.test").first?.contains("Subject: greylisted") == true)
        try await fixture.stop()
    }

    /// Swaks from a listed address (`--local-interface 127.0.0.2`) against a reject zone.
    @Test func swaksSeesTheDNSBLRejection() async throws {
        guard let swaks = SwaksInteropTests.swaks else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("swaks missing in CI: .ci/run installs it") }
            return
        }
        let (dns, resolver) = try await SpamTestDNS.start()
        let policy = DNSListPolicy(checker: BlocklistChecker(resolver: resolver), blocklists: [SpamTestDNS.zone("bl.test", .dnsbl, action: .reject)])
        let fixture = try await SMTPFixture.start { _ in [DNSBLStage(policy: policy)] }
        let process = try ChildProcess(executable: URL(fileURLWithPath: swaks), arguments: [
            "--server", "127.0.0.1", "--port", fixture.port, "--local-interface", "127.0.0.2", "--from", "friend@remote.test",
            "--to", "alice@example.test", "--quit-after", "RCPT"])
        process.closeInput()
        _ = await process.exit(timeout: 60)
        let output = process.output + process.errorOutput
        #expect(output.contains("<** 554 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl.test"), "\(output)")
        try await fixture.stop()
        try await dns.shutdown()
    }
}
