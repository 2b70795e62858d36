import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Binds one listener kind (e.g. "imaps") on its addresses and hands each connection to a
/// `ProtocolServer`. Enforces the connection caps (per client IP, per listener, and the budget
/// shared by all listeners), puts backpressure on every session (`OutputBackpressureHandler`),
/// backs off accepting when the process runs out of descriptors, and shuts down gracefully: on
/// the service group's graceful shutdown it stops accepting, asks every session to finish
/// (`ServerShutdownEvent`), waits up to `gracePeriod`, then closes what is left.
public final class ListenerService: Service, Sendable {
    public struct Configuration: Sendable {
        public var name: String
        public var addresses: [BindAddress]
        public var implicitTLS: Bool
        public var maxConnectionsPerIP: Int
        public var gracePeriod: Duration = .seconds(30)
        /// listen(2) backlog. With a short one a burst of connections overflows the accept queue;
        /// with SYN cookies (Linux's default) the kernel then drops the client's final ACK and
        /// keeps no state, so a client whose connect succeeded waits for a greeting forever
        /// (seen with 5,000 IMAP connections at once and 256).
        public var backlog: Int32 = 4096
        /// Open connections on this listener (`limits.max_connections_per_listener`).
        public var maxConnections: Int = .max
        /// Unsent reply bytes after which a session's input is no longer read
        /// (`limits.max_unsent_output`); reading resumes below half of it.
        public var maxUnsentOutput: Int = 256 * 1024
        /// How long unsent output may make no progress before the session is closed
        /// (`limits.output_stall_timeout`).
        public var outputStallTimeout: Duration = .seconds(120)
        /// How long accepting pauses after accept(2) fails with EMFILE, ENFILE, ENOBUFS or ENOMEM.
        public var acceptBackoff: Duration = .milliseconds(500)
        /// Where connections, refusals, TLS handshakes and the sessions' events are counted.
        public var metrics: ServerMetrics = .none

        public init(name: String, addresses: [BindAddress], implicitTLS: Bool, maxConnectionsPerIP: Int) {
            self.name = name
            self.addresses = addresses
            self.implicitTLS = implicitTLS
            self.maxConnectionsPerIP = maxConnectionsPerIP
        }
    }

    public let configuration: Configuration
    let protocolServer: any ProtocolServer
    let tls: TLSProvider?
    let group: any EventLoopGroup
    let logger: Logger
    let limiter: ConnectionLimiter
    let listenerBudget: ConnectionBudget
    let sharedBudget: ConnectionBudget?
    let registry = ConnectionRegistry()
    /// nil until `run` has bound every address or failed to; empty after a failure.
    private let bound = Mutex<[SocketAddress]?>(nil)
    private let boundWaiters = Mutex<[CheckedContinuation<[SocketAddress], Never>]>([])

    public init(
        configuration: Configuration, protocolServer: any ProtocolServer, tls: TLSProvider?,
        sharedBudget: ConnectionBudget? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        precondition(!configuration.implicitTLS || tls != nil, "implicit TLS needs a TLS provider")
        self.configuration = configuration
        self.protocolServer = protocolServer
        self.tls = tls
        self.group = group
        self.logger = logger
        self.limiter = ConnectionLimiter(maxPerIP: configuration.maxConnectionsPerIP)
        self.listenerBudget = ConnectionBudget(limit: configuration.maxConnections)
        self.sharedBudget = sharedBudget
    }

    /// The addresses actually bound (with the real port when 0 was asked for), once listening;
    /// empty when binding failed (`run` throws `ListenerError.bindFailed`), so a caller waiting
    /// for the banner never waits for a listener that will not come.
    public func boundAddresses() async -> [SocketAddress] {
        await withCheckedContinuation { continuation in
            let ready: [SocketAddress]? = bound.withLock { $0 }
            if let ready { continuation.resume(returning: ready); return }
            boundWaiters.withLock { $0.append(continuation) }
            if let ready = bound.withLock({ $0 }) { resumeWaiters(ready) }
        }
    }

    public var openConnections: Int { registry.count }

    public func run() async throws {
        var channels: [any Channel] = []
        do {
            for address in configuration.addresses {
                var bootstrap = makeBootstrap()
                // An IPv6 socket takes IPv6 only, so "[::]:25" can sit beside "0.0.0.0:25" (with
                // Linux's default bindv6only=0 the second bind failed with EADDRINUSE).
                if address.host.contains(":") { bootstrap = bootstrap.serverChannelOption(ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1) }
                let channel = try await bootstrap.bind(host: address.host, port: address.port).get()
                channels.append(channel)
                logger.info("listening", metadata: ["listener": "\(configuration.name)", "address": "\(channel.localAddress.map { "\($0)" } ?? "\(address)")"])
            }
        } catch {
            for channel in channels { try? await channel.close() }
            bound.withLock { $0 = [] }
            resumeWaiters([])
            throw ListenerError.bindFailed(configuration.name, "\(error)")
        }
        let addresses = channels.compactMap(\.localAddress)
        bound.withLock { $0 = addresses }
        resumeWaiters(addresses)

        try? await gracefulShutdown()
        for channel in channels { try? await channel.close() }
        let open = registry.count
        if open > 0 {
            logger.info("asking sessions to finish", metadata: ["listener": "\(configuration.name)", "sessions": "\(open)"])
            registry.broadcastShutdown()
            let left = await registry.waitUntilEmpty(gracePeriod: configuration.gracePeriod)
            if left > 0 {
                logger.warning("closing sessions that did not finish in time", metadata: ["listener": "\(configuration.name)", "sessions": "\(left)"])
                registry.closeAll()
                _ = await registry.waitUntilEmpty(gracePeriod: .seconds(2))
            }
        }
        logger.info("listener stopped", metadata: ["listener": "\(configuration.name)"])
    }

    private func resumeWaiters(_ addresses: [SocketAddress]) {
        for waiter in boundWaiters.withLock({ waiters in defer { waiters = [] }; return waiters }) {
            waiter.resume(returning: addresses)
        }
    }

    private func makeBootstrap() -> ServerBootstrap {
        let pause = configuration.acceptBackoff
        let high = max(configuration.maxUnsentOutput, 2)
        let logger = self.logger, name = configuration.name
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Out of descriptors, accept(2) fails at once and again on the next loop turn: pause
            // accepting instead of spinning. Connections wait in the backlog meanwhile.
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPacingHandler(pause: pause, listener: name, logger: logger))
                }
            }
            // TCP level: `.socketOption(.tcp_nodelay)` would be SOL_SOCKET option 1, SO_DEBUG,
            // which needs CAP_NET_ADMIN and failed every accepted connection once root was dropped.
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: high / 2, high: high))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.accept(channel) }
            }
    }

    /// Runs on the new connection's event loop.
    private func accept(_ channel: any Channel) throws {
        let context = ConnectionContext(
            listener: configuration.name, remoteAddress: channel.remoteAddress, localAddress: channel.localAddress,
            implicitTLS: configuration.implicitTLS, tls: tls, logger: logger, metrics: configuration.metrics)
        let ip = context.remoteIP
        try channel.pipeline.syncOperations.addHandler(
            OutputBackpressureHandler(stallTimeout: configuration.outputStallTimeout, logger: logger))
        if configuration.implicitTLS, let tls {
            try tls.addServerHandlers(to: channel, state: context.tlsState)
        }
        let slot: Slot
        switch takeSlot(ip) {
        case .success(let taken): slot = taken
        case .failure(let refusal): return refuse(channel, ip: ip, refusal)
        }
        registry.add(channel)
        let registry = self.registry, logger = self.logger, name = configuration.name, metrics = configuration.metrics
        metrics.connectionOpened(listener: name)
        channel.closeFuture.whenComplete { _ in
            slot.release()
            registry.remove(channel)
            metrics.connectionClosed(listener: name)
            logger.info("connection closed", metadata: ["listener": "\(name)", "remote": "\(ip)"])
        }
        logger.info("connection accepted", metadata: ["listener": "\(name)", "remote": "\(ip)"])
        try protocolServer.initializeConnection(channel, context: context)
    }
}

extension ListenerService {
    /// The caps a connection counts against; released together when it closes.
    struct Slot {
        let ip: String
        let limiter: ConnectionLimiter
        let budgets: [ConnectionBudget]
        func release() {
            limiter.release(ip)
            for budget in budgets { budget.release() }
        }
    }

    enum Refusal: Error {
        case perIP, listener, server

        /// The `reason` label of `hato_connections_refused_total`.
        var label: String {
            switch self {
            case .perIP: "per_ip"
            case .listener: "listener"
            case .server: "server"
            }
        }
    }

    /// Takes a slot from this listener's budget, the shared one and the per-IP limiter, or
    /// none at all.
    func takeSlot(_ ip: String) -> Result<Slot, Refusal> {
        var taken: [ConnectionBudget] = []
        for (budget, refusal) in [(listenerBudget, Refusal.listener)] + (sharedBudget.map { [($0, Refusal.server)] } ?? []) {
            guard budget.acquire() else {
                for earlier in taken { earlier.release() }
                return .failure(refusal)
            }
            taken.append(budget)
        }
        guard limiter.acquire(ip) else {
            for budget in taken { budget.release() }
            return .failure(.perIP)
        }
        return .success(Slot(ip: ip, limiter: limiter, budgets: taken))
    }

    /// Answers a connection over a cap with the protocol's reply and closes it: "too many from
    /// your address" for the per-IP limit, "busy" for the listener and server caps.
    func refuse(_ channel: any Channel, ip: String, _ refusal: Refusal) {
        let (why, limit, message) = switch refusal {
        case .perIP: ("too many from one address", limiter.maxPerIP, protocolServer.tooManyConnectionsMessage())
        case .listener: ("listener at its connection limit", listenerBudget.limit, protocolServer.serverBusyMessage())
        case .server: ("server at its connection limit", sharedBudget?.limit ?? 0, protocolServer.serverBusyMessage())
        }
        configuration.metrics.connectionRefused(listener: configuration.name, reason: refusal.label)
        logger.notice("connection refused: \(why)", metadata: ["listener": "\(configuration.name)", "remote": "\(ip)", "limit": "\(limit)"])
        channel.writeAndFlush(channel.allocator.buffer(string: message)).whenComplete { _ in channel.close(promise: nil) }
    }
}

public enum ListenerError: Error, CustomStringConvertible {
    case bindFailed(String, String)
    public var description: String {
        switch self {
        case .bindFailed(let name, let why): "cannot listen for \(name): \(why)"
        }
    }
}
