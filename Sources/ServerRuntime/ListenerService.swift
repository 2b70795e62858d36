import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Binds one listener kind (e.g. "imaps") on its addresses and hands each connection to a
/// `ProtocolServer`. Enforces the per-IP connection limit and shuts down gracefully: on the
/// service group's graceful shutdown it stops accepting, asks every session to finish
/// (`ServerShutdownEvent`), waits up to `gracePeriod`, then closes what is left.
public final class ListenerService: Service, Sendable {
    public struct Configuration: Sendable {
        public var name: String
        public var addresses: [BindAddress]
        public var implicitTLS: Bool
        public var maxConnectionsPerIP: Int
        public var gracePeriod: Duration = .seconds(30)
        public var backlog: Int32 = 256

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
    let registry = ConnectionRegistry()
    private let bound = Mutex<[SocketAddress]>([])
    private let boundWaiters = Mutex<[CheckedContinuation<[SocketAddress], Never>]>([])

    public init(
        configuration: Configuration, protocolServer: any ProtocolServer, tls: TLSProvider?,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        precondition(!configuration.implicitTLS || tls != nil, "implicit TLS needs a TLS provider")
        self.configuration = configuration
        self.protocolServer = protocolServer
        self.tls = tls
        self.group = group
        self.logger = logger
        self.limiter = ConnectionLimiter(maxPerIP: configuration.maxConnectionsPerIP)
    }

    /// The addresses actually bound (with the real port when 0 was asked for), once listening.
    public func boundAddresses() async -> [SocketAddress] {
        await withCheckedContinuation { continuation in
            let ready: [SocketAddress]? = bound.withLock { $0.isEmpty ? nil : $0 }
            if let ready { continuation.resume(returning: ready); return }
            boundWaiters.withLock { $0.append(continuation) }
            if let ready = bound.withLock({ $0.isEmpty ? nil : $0 }) { resumeWaiters(ready) }
        }
    }

    public var openConnections: Int { registry.count }

    public func run() async throws {
        var channels: [any Channel] = []
        do {
            for address in configuration.addresses {
                let channel = try await makeBootstrap().bind(host: address.host, port: address.port).get()
                channels.append(channel)
                logger.info("listening", metadata: ["listener": "\(configuration.name)", "address": "\(channel.localAddress.map { "\($0)" } ?? "\(address)")"])
            }
        } catch {
            for channel in channels { try? await channel.close() }
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
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.accept(channel) }
            }
    }

    /// Runs on the new connection's event loop.
    private func accept(_ channel: any Channel) throws {
        let context = ConnectionContext(
            listener: configuration.name, remoteAddress: channel.remoteAddress, localAddress: channel.localAddress,
            implicitTLS: configuration.implicitTLS, tls: tls, logger: logger)
        let ip = context.remoteIP
        if configuration.implicitTLS, let tls {
            try tls.addServerHandlers(to: channel, state: context.tlsState)
        }
        guard limiter.acquire(ip) else {
            logger.notice("connection refused: too many from one address",
                          metadata: ["listener": "\(configuration.name)", "remote": "\(ip)", "limit": "\(limiter.maxPerIP)"])
            let message = channel.allocator.buffer(string: protocolServer.tooManyConnectionsMessage())
            channel.writeAndFlush(message).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        registry.add(channel)
        let limiter = self.limiter, registry = self.registry, logger = self.logger, name = configuration.name
        channel.closeFuture.whenComplete { _ in
            limiter.release(ip)
            registry.remove(channel)
            logger.info("connection closed", metadata: ["listener": "\(name)", "remote": "\(ip)"])
        }
        logger.info("connection accepted", metadata: ["listener": "\(name)", "remote": "\(ip)"])
        try protocolServer.initializeConnection(channel, context: context)
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
