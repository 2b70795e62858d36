import DNSMessage
import Foundation
import MailStore
import OutboundQueue
import Testing

@Suite struct RoutingTests {
    @Test func mxHostsInPreferenceOrderWithEqualPreferencesShuffled() async throws {
        let resolver = try StaticResolver(zoneText: """
            multi.test. 300 IN MX 20 c.multi.test.
            multi.test. 300 IN MX 10 a.multi.test.
            multi.test. 300 IN MX 10 b.multi.test.
            """)
        let router = DeliveryRouter(resolver: resolver, hostname: "mail.example.test")
        var firsts: Set<String> = []
        for _ in 0..<64 {
            let hosts = try await router.hosts(for: "multi.test")
            #expect(Set(hosts.prefix(2).map(\.name)) == ["a.multi.test", "b.multi.test"])
            #expect(hosts.last?.name == "c.multi.test" && hosts.allSatisfy { $0.port == 25 })
            firsts.insert(hosts[0].name)
        }
        #expect(firsts.count == 2, "equal preferences come in both orders over 64 lookups")
    }

    @Test func noMXMeansTheDomainItselfAndNullMXRefuses() async throws {
        let router = DeliveryRouter(resolver: try StaticResolver(zoneText: QueueFixture.zone), mxPort: 2525, hostname: "mail.example.test")
        let implicit = try await router.hosts(for: "plain.test")
        #expect(implicit == [RouteHost(name: "plain.test", port: 2525, isImplicitMX: true)])
        #expect(try await router.targets(for: implicit[0]).map(\.address) == ["192.0.2.80"])
        await #expect(throws: RouteFailure(556, "5.1.10", "nullmx.test does not accept mail (null MX, RFC 7505)")) {
            try await router.hosts(for: "nullmx.test")
        }
        let missing = await #expect(throws: RouteFailure.self) { try await router.hosts(for: "missing.test") }
        #expect(missing?.reply.enhancedCode == "5.1.2")
        let noAddress = try await router.hosts(for: "nothing.test")
        let noAddressError = await #expect(throws: RouteFailure.self) { try await router.targets(for: noAddress[0], implicitMX: true) }
        #expect(noAddressError?.isPermanent == true, "no MX and no address: permanent (RFC 5321 §5.1)")
    }

    @Test func ipv6AddressesComeFirstThenIPv4() async throws {
        let router = DeliveryRouter(resolver: try StaticResolver(zoneText: QueueFixture.zone), hostname: "mail.example.test")
        let hosts = try await router.hosts(for: "other.test")
        #expect(try await router.targets(for: hosts[0]).map(\.address) == ["2001:db8::25", "192.0.2.25"])
    }

    @Test func anMXPointingAtThisServerDropsItAndWorseOnes() async throws {
        let resolver = try StaticResolver(zoneText: """
            loop.test. 300 IN MX 10 mail.example.test.
            loop.test. 300 IN MX 20 backup.loop.test.
            backup.test. 300 IN MX 5 primary.backup.test.
            backup.test. 300 IN MX 10 mail.example.test.
            """)
        let router = DeliveryRouter(resolver: resolver, hostname: "mail.example.test")
        let loop = await #expect(throws: RouteFailure.self) { try await router.hosts(for: "loop.test") }
        #expect(loop?.reply.enhancedCode == "5.4.6")
        #expect(try await router.hosts(for: "backup.test").map(\.name) == ["primary.backup.test"])
    }

    @Test func relayReplacesMXRouting() async throws {
        let relay = OutboundConfiguration.Relay(host: "127.0.0.1", port: 587)
        let router = DeliveryRouter(resolver: StaticResolver(), relay: relay, hostname: "mail.example.test")
        #expect(router.destination(of: "remote.test") == router.destination(of: "other.test"))
        let hosts = try await router.hosts(for: "remote.test")
        #expect(hosts == [RouteHost(name: "127.0.0.1", port: 587, isRelay: true)])
        #expect(try await router.targets(for: hosts[0]) == [DeliveryTarget(hostname: "127.0.0.1", address: "127.0.0.1", port: 587, isRelay: true)])
        #expect(!relay.implicitTLS && OutboundConfiguration.Relay(host: "smtp.example", port: 465).implicitTLS)
    }

    @Test func fallsBackToTheNextMXAndAddressWhenConnectionsFail() async throws {
        let fixture = try await QueueFixture()
        try await fixture.enqueue("fallback", to: ["bob@remote.test", "eve@other.test"])
        let transport = ScriptedTransport(refusing: ["192.0.2.1", "2001:db8::25"])
        try await fixture.runner(transport).deliverDue()
        #expect(Set(transport.refused.map(\.address)) == ["192.0.2.1", "2001:db8::25"])
        #expect(Set(transport.transactions.map(\.target.address)) == ["192.0.2.2", "192.0.2.25"])
        #expect(try await fixture.store.queuedMessages().isEmpty)
    }

    @Test func dnsTroubleDefersAndNoHostReachableDefers() async throws {
        let fixture = try await QueueFixture()
        let id = try await fixture.enqueue("dns", to: ["bob@remote.test", "eve@other.test"])
        let resolver = try fixture.resolver(failures: [try .init("remote.test", .mx): .responseCode(.serverFailure)])
        let transport = ScriptedTransport(refusing: ["2001:db8::25", "192.0.2.25"])
        try await fixture.runner(transport, resolver: resolver).deliverDue()
        let queued = try #require(try await fixture.store.queuedMessage(id))
        #expect(queued.recipients.allSatisfy { $0.state == .deferred })
        #expect(queued.recipients[0].lastReply?.hasPrefix("451 4.4.3 MX lookup for remote.test failed") == true, "\(queued.recipients[0])")
        #expect(queued.recipients[1].lastReply?.contains("connection refused") == true, "\(queued.recipients[1])")
        #expect(try await fixture.inbox().isEmpty)
    }
}
