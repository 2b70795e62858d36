import DNSMessage
import Foundation
import HatoTesting
import Logging
import OutboundQueue
import SMTPClient
import Testing

/// Connection reuse across batches (`delivery.connection_idle_time`, docs/delivery.md
/// "Connection reuse"): the real `SMTPClient` against aiosmtpd, which records the client port of
/// every message it accepts, so the distinct ports are the connections used.
@Suite(.serialized) struct ConnectionReuseTests {
    static func runner(_ fixture: QueueFixture, port: Int, idle: Duration, maxMessages: Int = 100) throws -> QueueRunner {
        var configuration = OutboundConfiguration(hostname: QueueFixture.hostname, mxPort: port, maxMessagesPerConnection: maxMessages)
        configuration.connectionIdleTime = idle
        var logger = Logger(label: "test.smtp-client")
        logger.logLevel = .critical
        var mx = SMTPClientConfiguration(heloName: QueueFixture.hostname, tlsMode: .opportunistic)
        mx.commandTimeout = .seconds(30)
        let transport = SMTPDeliveryTransport(mx: mx, logger: logger)
        return try fixture.runner(transport, configuration: configuration, resolver: try StaticResolver(zoneText: SMTPDeliveryTests.zone(port)))
    }

    /// Enqueues and delivers `count` messages one by one, each its own batch, `pause` apart.
    static func oneByOne(_ count: Int, _ runner: QueueRunner, _ fixture: QueueFixture, pause: Duration = .zero) async throws -> [Int] {
        var batches: [Int] = []
        for index in 0..<count {
            if index > 0 { try await Task.sleep(for: pause) }
            try await fixture.enqueue("message \(index)", to: ["bob@remote.test"])
            batches.append(await runner.deliverDue())
        }
        return batches
    }

    static func subjects(_ peer: ScriptedPeer) throws -> [String] {
        try peer.received.map { $0.data.firstMatch(of: /Subject: ([^\r\n]*)/).map { String($0.1) } ?? "?" }
    }

    @Test func messagesInSeparateBatchesShareOneConnection() async throws {
        let fixture = try await QueueFixture()
        let peer = try await ScriptedPeer.start(.init(), directory: fixture.directory)
        let runner = try Self.runner(fixture, port: try peer.port, idle: .seconds(30))
        let batches = try await Self.oneByOne(5, runner, fixture)
        await runner.closeIdleConnections()
        await peer.stop()
        #expect(batches == [1, 1, 1, 1, 1])
        #expect(try Self.subjects(peer) == (0..<5).map { "message \($0)" })
        let ports = try peer.received.map(\.peer)
        #expect(Set(ports).count == 1, "\(ports)")
        #expect(try await fixture.store.queuedMessages().isEmpty)
    }

    /// Without an idle time every batch connects afresh (what reuse saves).
    @Test func withoutAnIdleTimeEveryBatchConnects() async throws {
        let fixture = try await QueueFixture()
        let peer = try await ScriptedPeer.start(.init(), directory: fixture.directory)
        let runner = try Self.runner(fixture, port: try peer.port, idle: .zero)
        _ = try await Self.oneByOne(3, runner, fixture)
        await peer.stop()
        #expect(try Self.subjects(peer) == ["message 0", "message 1", "message 2"])
        #expect(Set(try peer.received.map(\.peer)).count == 3)
    }

    /// `delivery.max_messages_per_connection` counts across the batches that reuse a connection.
    @Test func theMessageLimitSpansBatches() async throws {
        let fixture = try await QueueFixture()
        let peer = try await ScriptedPeer.start(.init(), directory: fixture.directory)
        let runner = try Self.runner(fixture, port: try peer.port, idle: .seconds(30), maxMessages: 2)
        _ = try await Self.oneByOne(5, runner, fixture)
        await runner.closeIdleConnections()
        await peer.stop()
        let ports = try peer.received.map(\.peer)
        #expect(ports.count == 5 && Set(ports).count == 3 && ports[0] == ports[1] && ports[2] == ports[3] && ports[1] != ports[2], "\(ports)")
    }

    /// The peer closes a connection idle for a second: the next batch's RSET finds it gone and a
    /// new connection carries the message, which arrives once.
    @Test func aConnectionThePeerClosedIsReplaced() async throws {
        let fixture = try await QueueFixture()
        let peer = try await ScriptedPeer.start(.init(idleTimeout: 1), directory: fixture.directory)
        let runner = try Self.runner(fixture, port: try peer.port, idle: .seconds(60))
        let batches = try await Self.oneByOne(3, runner, fixture, pause: .milliseconds(2500))
        await runner.closeIdleConnections()
        await peer.stop()
        #expect(batches == [1, 1, 1])
        #expect(try Self.subjects(peer) == ["message 0", "message 1", "message 2"])
        #expect(Set(try peer.received.map(\.peer)).count == 3)
        #expect(try await fixture.store.queuedMessages().isEmpty)
    }
}
