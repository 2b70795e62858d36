// A DNS server for tests: serves a `DNSZone` over UDP and TCP on 127.0.0.1, on one port the
// kernel picks, with switches for misbehaviour (see TestDNSBehavior). Every test that needs DNS
// uses this; nothing touches the network beyond loopback.

import DNSMessage
import Foundation
import NIOCore
import NIOPosix

public final class TestDNSServer: @unchecked Sendable {
    private let lock = NSLock()
    private var _zone: DNSZone
    private var _behavior: TestDNSBehavior
    private var _overrides: [TestDNSOverrideKey: TestDNSBehavior] = [:]
    private var _log: [TestDNSQueryLogEntry] = []
    private var _dropNext = 0

    private let udpChannel: any Channel
    private let decoyChannel: any Channel
    private let tcpChannel: any Channel

    /// The port both UDP and TCP listen on.
    public let port: Int
    /// "127.0.0.1:PORT", as the resolver configuration and the CLI take it.
    public var address: String { "127.0.0.1:\(port)" }

    private init(zone: DNSZone, behavior: TestDNSBehavior, udp: any Channel, decoy: any Channel, tcp: any Channel,
                 port: Int) {
        self._zone = zone
        self._behavior = behavior
        self.udpChannel = udp
        self.decoyChannel = decoy
        self.tcpChannel = tcp
        self.port = port
    }

    /// Starts a server for `zone`. Close it with `shutdown()`.
    public static func start(zone: DNSZone, behavior: TestDNSBehavior = .normal,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> TestDNSServer {
        let box = TestDNSServerBox()
        for _ in 0..<20 {
            let udp = try await DatagramBootstrap(group: group)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_535))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(TestDNSUDPHandler(box: box))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            guard let port = udp.localAddress?.port else { throw TestDNSServerError.noPort }
            let tcp: any Channel
            do {
                tcp = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                            try channel.pipeline.syncOperations.addHandler(TestDNSTCPHandler(box: box))
                        }
                    }
                    .bind(host: "127.0.0.1", port: port).get()
            } catch {
                // Someone holds the TCP side of this port; try another.
                try? await udp.close()
                continue
            }
            let decoy = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
            let server = TestDNSServer(zone: zone, behavior: behavior, udp: udp, decoy: decoy, tcp: tcp, port: port)
            box.server = server
            return server
        }
        throw TestDNSServerError.noPort
    }

    /// Starts a server for a zone in the text format of `DNSZone(parsing:)`.
    public static func start(zoneText: String, origin: DNSName = .root, behavior: TestDNSBehavior = .normal,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> TestDNSServer {
        try await start(zone: DNSZone(parsing: zoneText, origin: origin), behavior: behavior, group: group)
    }

    /// An event loop no test server runs its sessions on, for DNS servers whose client is an
    /// outside program with a short timeout (pebble gives up after a few seconds): a loaded full
    /// run can hold the shared loops that long.
    public static let isolatedGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    public func shutdown() async throws {
        try? await decoyChannel.close()
        try? await udpChannel.close()
        try await tcpChannel.close()
    }

    // MARK: switches and state

    public var zone: DNSZone {
        get { lock.withLock { _zone } }
        set { lock.withLock { _zone = newValue } }
    }

    /// What the server does with queries that have no override.
    public var behavior: TestDNSBehavior {
        get { lock.withLock { _behavior } }
        set { lock.withLock { _behavior = newValue } }
    }

    /// Misbehave only for one name and type.
    public func setBehavior(_ behavior: TestDNSBehavior?, for name: DNSName, _ type: DNSRecordType) {
        lock.withLock { _overrides[TestDNSOverrideKey(name: name.lowercased, type: type)] = behavior }
    }

    /// Every query received so far, oldest first.
    /// Stay silent for the next `count` queries, whatever they ask (packets lost on the way).
    public func dropNextQueries(_ count: Int) { lock.withLock { _dropNext = count } }

    public var queries: [TestDNSQueryLogEntry] { lock.withLock { _log } }

    public func clearQueryLog() { lock.withLock { _log = [] } }

    /// Queries received for `name` and `type`.
    public func queryCount(_ name: DNSName, _ type: DNSRecordType) -> Int {
        queries.filter { $0.question.name == name && $0.question.type == type }.count
    }

    func handle(_ query: DNSMessage, transport: TestDNSQueryLogEntry.Transport) -> (TestDNSBehavior, [TestDNSReply]) {
        lock.withLock {
            var behavior = _behavior
            if let question = query.questions.first {
                _log.append(TestDNSQueryLogEntry(question: question, transport: transport, id: query.id,
                                                 dnssecOK: query.edns?.dnssecOK ?? false))
                if let override = _overrides[TestDNSOverrideKey(name: question.name.lowercased, type: question.type)] {
                    behavior = override
                }
            }
            if _dropNext > 0 {
                _dropNext -= 1
                behavior.drop = true
            }
            return (behavior, TestDNSResponder.replies(to: query, zone: _zone, behavior: behavior, transport: transport))
        }
    }

    func sendDecoy(_ envelope: AddressedEnvelope<ByteBuffer>) {
        decoyChannel.writeAndFlush(envelope, promise: nil)
    }
}

public enum TestDNSServerError: Error {
    case noPort
}

struct TestDNSOverrideKey: Hashable {
    var name: DNSName
    var type: DNSRecordType
}

/// Lets the handlers, created before the server object exists, reach it.
final class TestDNSServerBox: @unchecked Sendable {
    private let lock = NSLock()
    private weak var _server: TestDNSServer?
    var server: TestDNSServer? {
        get { lock.withLock { _server } }
        set { lock.withLock { _server = newValue } }
    }
}
