import Foundation
import HatoTesting
import Logging
import MailStore
import OutboundQueue
import SMTPClient
import Testing

/// DANE for SMTP (RFC 7672) end to end: queue → validating resolver (libunbound) → unbound serving
/// signed zones → the real SMTP client → aiosmtpd, all on loopback.
@Suite(.serialized) struct DANEDeliveryTests {
    /// One attempt for `recipient` through the TLS peer (or the plain one); the recipient's last
    /// reply when it stayed queued, nil when delivered.
    static func attempt(_ recipient: String, _ world: DANEWorld, _ fixture: QueueFixture, plain: Bool = false) async throws -> String? {
        let id = try await fixture.enqueue("to \(recipient)", to: [recipient])
        let runner = try world.runner(fixture, port: try (plain ? world.plainPeer : world.tlsPeer).port)
        await runner.deliverDue()
        guard let queued = try await fixture.store.queuedMessage(id) else { return nil }
        return queued.recipients.first?.lastReply ?? "queued without a reply"
    }

    @Test func matchingEndEntityRecordDeliversOverTLS() async throws {
        guard DANEWorld.available() else { return }
        let fixture = try await QueueFixture()
        try await DANEWorld.with(fixture) { world async throws in
            // RFC 7672 §3.1.1: 3 1 1 matches the key; the certificate's names are not consulted.
            #expect(try await Self.attempt("bob@dane.example", world, fixture) == nil)
            let received = try world.tlsPeer.received
            #expect(received.map(\.to) == [["bob@dane.example"]])
            #expect(received.first?.tls == true)
        }
    }

    @Test func trustAnchorRecordDeliversWhenTheChainAndNameCheckOut() async throws {
        guard DANEWorld.available() else { return }
        let fixture = try await QueueFixture()
        try await DANEWorld.with(fixture) { world async throws in
            #expect(try await Self.attempt("bob@ta.example", world, fixture) == nil)
            #expect(try world.tlsPeer.received.first?.tls == true)
            // RFC 7672 §3.2.2: with DANE-TA the leaf must name the MX host; this one does not.
            let reply = try #require(try await Self.attempt("bob@badname.example", world, fixture))
            #expect(reply.hasPrefix("451 4.7.5") && reply.contains("DANE") && reply.contains("mx.badname.example"), "\(reply)")
            #expect(try world.tlsPeer.received.count == 1)
        }
    }

    /// RFC 7672 §2.2.2: an MX host that is a CNAME alias has its TLSA records looked up at the
    /// expanded name first, and with DANE-TA the certificate may name either (§3.2.2).
    @Test func aliasedMXHostUsesTheTLSARecordsOfTheExpandedName() async throws {
        guard DANEWorld.available() else { return }
        let fixture = try await QueueFixture()
        try await DANEWorld.with(fixture) { world async throws in
            #expect(try await Self.attempt("bob@alias.example", world, fixture) == nil)
            #expect(try await Self.attempt("bob@taalias.example", world, fixture) == nil)
            #expect(try world.tlsPeer.received.map(\.tls) == [true, true])
            let sessions = try await fixture.store.tlsSessions(from: .distantPast, to: .distantFuture)
            #expect(sessions.map(\.policyDomain) == ["alias.example", "taalias.example"] && sessions.allSatisfy { $0.policyType == .tlsa }
                    && sessions.allSatisfy { $0.resultType == "success" }, "DANE applied to both: \(sessions)")
        }
    }

    /// RFC 7672 §3: the configured relay (a STARTTLS smarthost) with DNSSEC-secure TLSA records
    /// is authenticated by them; without DANE its test-CA certificate fails the system roots.
    @Test func relayWithSecureTLSARecordsIsAuthenticatedByDANE() async throws {
        guard DANEWorld.available() else { return }
        let fixture = try await QueueFixture()
        try await DANEWorld.with(fixture) { world async throws in
            let port = try world.tlsPeer.port
            func attempt(relay host: String, dane: Bool) async throws -> String? {
                let relay = OutboundConfiguration.Relay(host: host, port: port, implicitTLS: false)
                let configuration = OutboundConfiguration(hostname: QueueFixture.hostname, mxPort: port, relay: relay)
                var logger = Logger(label: "test.dane-relay")
                logger.logLevel = .critical
                var client = SMTPClientConfiguration(heloName: QueueFixture.hostname, tlsMode: .requireSTARTTLS)
                client.commandTimeout = .seconds(30)
                let security = TransportSecurityPolicy(resolver: world.resolver, dane: dane, mtaSTS: nil, logger: logger)
                let router = DeliveryRouter(resolver: world.resolver, mxPort: port, relay: relay, hostname: QueueFixture.hostname,
                                            transportSecurity: security)
                let clock = fixture.clock
                let runner = QueueRunner(store: fixture.store, transport: SMTPDeliveryTransport(mx: client, relay: client, logger: logger),
                                         router: router, configuration: configuration, logger: logger, now: { clock.now })
                let id = try await fixture.enqueue("via \(host)", to: ["bob@elsewhere.test"])
                await runner.deliverDue()
                return try await fixture.store.queuedMessage(id)?.recipients.first?.lastReply
            }
            let refused = try #require(try await attempt(relay: "mx.dane.example", dane: false))
            #expect(!refused.contains("DANE"), "the trust roots refuse the test CA: \(refused)")
            #expect(try await attempt(relay: "mx.dane.example", dane: true) == nil)
            let wrong = try #require(try await attempt(relay: "mx.wrong.example", dane: true))
            #expect(wrong.hasPrefix("451 4.7.5") && wrong.contains("DANE for the relay"), "\(wrong)")
            #expect(try world.tlsPeer.received.map(\.to) == [["bob@elsewhere.test"]])
        }
    }

    @Test func mismatchingRecordDefersAndNothingGoesInClear() async throws {
        guard DANEWorld.available() else { return }
        let fixture = try await QueueFixture()
        try await DANEWorld.with(fixture) { world async throws in
            let reply = try #require(try await Self.attempt("bob@wrong.example", world, fixture))
            #expect(reply.hasPrefix("451 4.7.5") && reply.contains("no DANE-EE record matches"), "\(reply)")
            #expect(try world.tlsPeer.received.isEmpty)
        }
    }

    @Test func strippedSTARTTLSDefers() async throws {
        guard DANEWorld.available() else { return }
        let fixture = try await QueueFixture()
        try await DANEWorld.with(fixture) { world async throws in
            // The peer offers no STARTTLS (as if an attacker removed it): RFC 7672 §2.2 says no plaintext.
            let reply = try #require(try await Self.attempt("bob@strip.example", world, fixture, plain: true))
            #expect(reply.hasPrefix("451 4.7.0") && reply.contains("STARTTLS"), "\(reply)")
            #expect(try world.plainPeer.received.isEmpty)
        }
    }

    @Test func withoutSecureTLSARecordsDeliveryIsOpportunistic() async throws {
        guard DANEWorld.available() else { return }
        let fixture = try await QueueFixture()
        try await DANEWorld.with(fixture) { world async throws in
            // Signed zone, no TLSA: plaintext to a peer without STARTTLS is still allowed.
            #expect(try await Self.attempt("bob@plain.example", world, fixture, plain: true) == nil)
            // Unsigned delegation: its (wrong) TLSA records are insecure and ignored (RFC 7672 §2.2).
            #expect(try await Self.attempt("carol@unsigned.example", world, fixture, plain: true) == nil)
            #expect(try world.plainPeer.received.map(\.to) == [["bob@plain.example"], ["carol@unsigned.example"]])
            #expect(try world.plainPeer.received.allSatisfy { !$0.tls })
        }
    }
}
