import Foundation
import HatoTesting
import MailStore
import OutboundQueue
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
