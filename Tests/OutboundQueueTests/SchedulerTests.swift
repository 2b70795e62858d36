import Foundation
import HatoTesting
import MailCore
import MailStore
import OutboundQueue
import ServiceLifecycle
import Logging
import Testing

@Suite struct SchedulerTests {
    @Test func messagesToOneDomainShareOneConnection() async throws {
        let fixture = try await QueueFixture()
        try await fixture.enqueue("one", to: ["bob@remote.test", "carol@remote.test"], notify: [.success, .failure], ret: "HDRS", envid: "env-1")
        try await fixture.enqueue("two", to: ["bob@remote.test"])
        try await fixture.enqueue("three", to: ["dave@remote.test"])
        let transport = ScriptedTransport()
        let runner = try fixture.runner(transport)
        #expect(await runner.deliverDue() == 1)
        #expect(transport.connects.map(\.address) == ["192.0.2.1"], "one connection to the preferred MX")
        #expect(transport.transactions.count == 3)
        #expect(Set(transport.transactions.map(\.connection)).count == 1)
        let first = try #require(transport.transactions.first)
        #expect(first.envelope.mailFrom == "alice@example.test")
        #expect(first.envelope.recipients.map(\.address.description) == ["bob@remote.test", "carol@remote.test"])
        #expect(first.envelope.recipients[0].dsn.notify == [.success, .failure] && first.envelope.recipients[0].dsn.originalRecipient?.description == "rfc822;bob@remote.test")
        #expect(first.envelope.envelopeID == "env-1" && first.envelope.returnContent == "HDRS")
        #expect(String(decoding: first.message, as: UTF8.self).contains("Subject: one\r\n"))
        #expect(try await fixture.store.queuedMessages().isEmpty, "every delivered message left the queue")
        #expect(transport.closed == 1)
    }

    @Test func recipientsOfOneMessageAreSplitByDomain() async throws {
        let fixture = try await QueueFixture()
        try await fixture.enqueue("split", to: ["bob@remote.test", "eve@other.test"])
        let transport = ScriptedTransport()
        #expect(try await fixture.runner(transport).deliverDue() == 2)
        #expect(Set(transport.transactions.map { $0.envelope.recipients.map(\.address.description) }) == [["bob@remote.test"], ["eve@other.test"]])
        #expect(try await fixture.store.queuedMessages().isEmpty)
    }

    @Test func transientRepliesDeferWithBackoffThenDeliver() async throws {
        let fixture = try await QueueFixture()
        let id = try await fixture.enqueue("later", to: ["bob@remote.test"])
        // 451 at RCPT, then 421 at MAIL, then accepted.
        let transport = ScriptedTransport { envelope, index in
            switch index {
            case 0: return .refused(envelope, DeliveryReply(code: 451, enhancedCode: "4.7.1", text: "greylisted"))
            case 1: return DeliveryResponse(mailFrom: DeliveryReply(code: 421, enhancedCode: "4.3.2", text: "shutting down"), recipients: [], data: nil)
            default: return .accepted(envelope)
            }
        }
        let runner = try fixture.runner(transport)
        await runner.deliverDue()
        var queued = try #require(try await fixture.store.queuedMessage(id))
        #expect(queued.recipients[0].state == .deferred && queued.recipients[0].attempts == 1)
        #expect(queued.recipients[0].lastReply == "451 4.7.1 greylisted (mx1.remote.test; TLS: opportunistic: no DANE or MTA-STS lookups configured; no TLS)")
        let wait = queued.recipients[0].nextAttempt.timeIntervalSince(fixture.clock.now)
        #expect(abs(wait - 300) < 1, "first retry after 5 minutes, was \(wait)")
        #expect(await runner.deliverDue() == 0, "not due yet")
        fixture.clock.advance(301)
        await runner.deliverDue()
        queued = try #require(try await fixture.store.queuedMessage(id))
        #expect(queued.recipients[0].attempts == 2 && queued.recipients[0].lastReply?.hasPrefix("421 4.3.2") == true)
        #expect(abs(queued.recipients[0].nextAttempt.timeIntervalSince(fixture.clock.now) - 600) < 1, "then 10 minutes")
        #expect(transport.closed == 2, "the 421 connection was closed")
        fixture.clock.advance(601)
        await runner.deliverDue()
        #expect(try await fixture.store.queuedMessage(id) == nil)
        #expect(transport.transactions.count == 3)
        #expect(try await fixture.inbox().isEmpty, "no DSN for a message that was delivered in the end")
    }

    @Test func connectionDropDefersAndTheNextMessageGetsANewConnection() async throws {
        let fixture = try await QueueFixture()
        let first = try await fixture.enqueue("dropped", to: ["bob@remote.test"])
        try await fixture.enqueue("after", to: ["carol@remote.test"])
        let transport = ScriptedTransport { envelope, index in
            if index == 0 { throw DeliveryTransportError.connection("connection closed during DATA", enhancedCode: "4.4.2") }
            return .accepted(envelope)
        }
        try await fixture.runner(transport).deliverDue()
        #expect(transport.connects.count == 2, "reconnected after the drop")
        let queued = try #require(try await fixture.store.queuedMessage(first))
        #expect(queued.recipients[0].state == .deferred && queued.recipients[0].lastReply?.contains("4.4.2") == true)
        #expect(try await fixture.store.queuedMessages().count == 1, "the second message was delivered")
    }

    @Test func concurrencyLimitsHoldPerDestinationAndInTotal() async throws {
        let fixture = try await QueueFixture()
        for n in 0..<6 { try await fixture.enqueue("r\(n)", to: ["u\(n)@remote.test"]) }
        for n in 0..<6 { try await fixture.enqueue("o\(n)", to: ["u\(n)@other.test"]) }
        let transport = ScriptedTransport(latency: .milliseconds(50))
        var configuration = OutboundConfiguration(hostname: QueueFixture.hostname)
        configuration.maxMessagesPerConnection = 1
        configuration.maxConnectionsPerDestination = 2
        configuration.maxConnections = 3
        let runner = try fixture.runner(transport, configuration: configuration)
        var rounds = 0
        while try await !fixture.store.queuedMessages().isEmpty && rounds < 20 {
            await runner.deliverDue()
            rounds += 1
        }
        #expect(try await fixture.store.queuedMessages().isEmpty)
        #expect(transport.transactions.count == 12, "each message sent once")
        #expect(transport.maxOpen <= 3 && transport.maxOpen >= 2, "total limit, was \(transport.maxOpen)")
        #expect(transport.maxOpen(to: "mx1.remote.test") <= 2 && transport.maxOpen(to: "mx.other.test") <= 2)
    }

    @Test func runningServiceWakesOnEnqueueAndStopsGracefully() async throws {
        let fixture = try await QueueFixture()
        let transport = ScriptedTransport()
        var configuration = OutboundConfiguration(hostname: QueueFixture.hostname)
        configuration.pollInterval = .seconds(3600)
        let runner = try fixture.runner(transport, configuration: configuration)
        let group = ServiceGroup(services: [runner], logger: Logger(label: "test"))
        let task = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(200))
        try await fixture.enqueue("wake up", to: ["bob@remote.test"])
        let deadline = Date().addingTimeInterval(20)
        while transport.transactions.isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(transport.transactions.count == 1, "delivered without waiting for the hour-long poll")
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(try await fixture.store.queuedMessages().isEmpty)
    }
}
