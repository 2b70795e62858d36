import MetricsTestKit
import OutboundQueue
import Testing

/// The outcome counters of docs/metrics.md, recorded on the factory the configuration carries.
@Suite struct QueueMetricsTests {
    @Test func deliveredBouncedAndDeferredAreCountedPerRecipient() async throws {
        let fixture = try await QueueFixture()
        try await fixture.enqueue("accepted", to: ["bob@remote.test", "carol@remote.test"])
        try await fixture.enqueue("refused", to: ["eve@other.test"])
        try await fixture.enqueue("later", to: ["dave@plain.test"])
        let transport = ScriptedTransport { envelope, _ in
            switch envelope.recipients.first?.address.domain.name {
            case "other.test": .refused(envelope, DeliveryReply(code: 550, enhancedCode: "5.1.1", text: "no such user"))
            case "plain.test": .refused(envelope, DeliveryReply(code: 451, enhancedCode: "4.7.1", text: "greylisted"))
            default: .accepted(envelope)
            }
        }
        let metrics = TestMetrics()
        var configuration = OutboundConfiguration(hostname: QueueFixture.hostname)
        configuration.metrics = metrics
        await (try fixture.runner(transport, configuration: configuration)).deliverDue()
        #expect(try metrics.expectCounter("hato_messages_delivered_total", [("destination", "remote")]).totalValue == 2)
        #expect(try metrics.expectCounter("hato_messages_bounced_total").totalValue == 1)
        #expect(try metrics.expectCounter("hato_delivery_deferred_total").totalValue == 1)
    }
}
