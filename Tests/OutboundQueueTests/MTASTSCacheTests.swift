import Foundation
import HatoTesting
import Logging
import MailStore
import OutboundQueue
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The persisted MTA-STS cache (RFC 8461 §5.1, §10.3) against the real HTTPS policy server of
/// `MTASTSDeliveryTests`: a policy outlives a restart and its host going away, is fetched again
/// past half its max_age, and a domain whose policy cannot be fetched is reported to TLS-RPT.
@Suite(.serialized) struct MTASTSCacheTests {
    static func cache(_ world: DANEWorld, port: Int, store: (any MTASTSPolicyStore)?, clock: TestClock? = nil) throws -> MTASTSPolicyCache {
        var logger = Logger(label: "test.mta-sts")
        logger.logLevel = .critical
        let fetcher = HTTPSPolicyFetcher(tlsConfiguration: try MTASTSDeliveryTests.testCA(world), timeout: .seconds(20), port: port,
                                         testAddress: "127.0.0.1")
        if let clock { return MTASTSPolicyCache(resolver: world.resolver, fetcher: fetcher, store: store, logger: logger, now: { clock.now }) }
        return MTASTSPolicyCache(resolver: world.resolver, fetcher: fetcher, store: store, logger: logger)
    }

    static func writePolicy(_ world: DANEWorld, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: world.certificates.path + "/policy.txt"))
    }

    static func lastReply(_ fixture: QueueFixture, _ id: QueueMessageID) async throws -> String? {
        try await fixture.store.queuedMessage(id)?.recipients.first?.lastReply
    }

    @Test func cachedPolicySurvivesARestartAndAnUnreachablePolicyHost() async throws {
        guard DANEWorld.available() else { return }
        let fixture = try await QueueFixture()
        try await DANEWorld.with(fixture) { world in
            let (https, port) = try await MTASTSDeliveryTests.startPolicyServer(world)
            try Self.writePolicy(world, "version: STSv1\nmode: enforce\nmx: mail.elsewhere.example\nmax_age: 86400\n")
            let first = try world.runner(fixture, port: try world.tlsPeer.port, mtaSTS: try Self.cache(world, port: port, store: fixture.store))
            let refused = try await fixture.enqueue("before the restart", to: ["bob@stsbad.example"])
            await first.deliverDue()
            #expect(try await Self.lastReply(fixture, refused)?.hasPrefix("451 4.7.5 MTA-STS") == true)
            let saved = try #require(try await fixture.store.mtaSTSPolicy(domain: "stsbad.example"))
            #expect(saved.policyID == "2" && saved.body.contains("mail.elsewhere.example"), "\(saved)")
            #expect(abs(saved.expiresAt.timeIntervalSince(saved.fetchedAt) - 86_400) < 1)

            // The policy host goes away; a new cache (a restart) over the same store still enforces.
            https.signal(SIGTERM)
            _ = await https.exit(timeout: .seconds(30))
            let restarted = try world.runner(fixture, port: try world.tlsPeer.port, mtaSTS: try Self.cache(world, port: port, store: fixture.store))
            let again = try await fixture.enqueue("after the restart", to: ["bob@stsbad.example"])
            await restarted.deliverDue()
            let reply = try #require(try await Self.lastReply(fixture, again))
            #expect(reply.hasPrefix("451 4.7.5 MTA-STS") && reply.contains("mail.elsewhere.example"), "\(reply)")
            #expect(try world.tlsPeer.received.isEmpty, "never delivered to the MX the policy does not list")

            // Without the store (what a restart did before) the policy is gone: delivery goes on
            // opportunistically and TLS-RPT reports the failed fetch (RFC 8460 §4.3.2.2).
            let forgetful = try world.runner(fixture, port: try world.tlsPeer.port, mtaSTS: try Self.cache(world, port: port, store: nil))
            let delivered = try await fixture.enqueue("no cache", to: ["bob@ststest.example"])
            await forgetful.deliverDue()
            #expect(try await Self.lastReply(fixture, delivered) == nil)
            #expect(try world.tlsPeer.received.map(\.to) == [["bob@ststest.example"]])
            let sessions = try await fixture.store.tlsSessions(from: .distantPast, to: .distantFuture).filter { $0.policyDomain == "ststest.example" }
            #expect(sessions.map(\.resultType) == ["sts-policy-fetch-error"] && sessions.map(\.policyType) == [.sts], "\(sessions)")
            #expect(sessions.first?.mxHost == "mx.ststest.example" && sessions.first?.receivingIP == "127.0.0.1", "\(sessions)")
        }
    }

    @Test func policiesAreFetchedAgainPastHalfTheirMaxAgeAndDroppedWhenExpired() async throws {
        guard DANEWorld.available() else { return }
        let fixture = try await QueueFixture()
        try await DANEWorld.with(fixture) { world in
            let (https, port) = try await MTASTSDeliveryTests.startPolicyServer(world)
            defer { https.signal(SIGTERM) }
            let clock = TestClock()
            let cache = try Self.cache(world, port: port, store: fixture.store, clock: clock)
            try Self.writePolicy(world, "version: STSv1\nmode: enforce\nmx: mx.sts.example\nmax_age: 600\n")
            let fetched = await cache.lookup("sts.example")
            #expect(fetched.policy?.mx == ["mx.sts.example"] && fetched.source.hasPrefix("fetched"), "\(fetched.source)")
            let start = clock.now

            try Self.writePolicy(world, "version: STSv1\nmode: enforce\nmx: *.sts.example\nmax_age: 900\n")
            clock.advance(100)
            #expect(await cache.refreshDue() == [], "not yet half its max_age")
            #expect(await cache.lookup("sts.example").policy?.mx == ["mx.sts.example"], "same TXT id: the cached policy")
            clock.advance(201)
            #expect(await cache.refreshDue() == ["sts.example"])
            let row = try #require(try await fixture.store.mtaSTSPolicy(domain: "sts.example"))
            #expect(row.body.contains("*.sts.example") && abs(row.fetchedAt.timeIntervalSince(start) - 301) < 0.01
                    && abs(row.expiresAt.timeIntervalSince(start) - 1_201) < 0.01, "\(row)")
            #expect(await cache.lookup("sts.example").policy?.mx == ["*.sts.example"])

            // The host goes away: a failed refresh keeps the policy until it expires, then it is dropped.
            https.signal(SIGTERM)
            _ = await https.exit(timeout: .seconds(30))
            clock.advance(500)
            #expect(await cache.refreshDue() == [])
            #expect(await cache.lookup("sts.example").policy?.maxAge == 900, "kept while unexpired")
            clock.advance(401)
            #expect(await cache.refreshDue() == [])
            #expect(try await fixture.store.mtaSTSPolicy(domain: "sts.example") == nil, "the expired row is deleted")
            let lapsed = await cache.lookup("sts.example")
            #expect(lapsed.policy == nil && lapsed.failure?.result == "sts-policy-fetch-error", "\(lapsed.source)")
        }
    }
}
