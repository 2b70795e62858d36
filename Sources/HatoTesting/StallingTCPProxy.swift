import Foundation
import NIOCore
import NIOPosix

/// A TCP proxy on 127.0.0.1 port 0 in front of a server (a test's PostgreSQL), that a test can
/// make stop forwarding: `stall()` keeps every connection open and accepts new ones, but holds
/// whatever either side sends, as a database that hangs or a network that drops packets would;
/// `resume()` delivers what was held, in order, and forwards again.
public final class StallingTCPProxy: @unchecked Sendable {
    public let port: Int
    private let listener: any Channel
    private let lock = NSLock()
    private var stalled = false
    private var relays: [ProxyRelay] = []

    private init(port: Int, listener: any Channel) {
        self.port = port
        self.listener = listener
    }

    public static func start(upstreamPort: Int) async throws -> StallingTCPProxy {
        let group = MultiThreadedEventLoopGroup.singleton
        let box = ProxyBox()
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                guard let proxy = box.proxy else { return inbound.close() }
                let downstream = proxy.relay(on: inbound)
                return inbound.pipeline.addHandler(downstream).flatMap {
                    ClientBootstrap(group: inbound.eventLoop)
                        .channelInitializer { outbound in outbound.pipeline.addHandler(proxy.relay(on: outbound, partner: inbound)) }
                        .connect(host: "127.0.0.1", port: upstreamPort)
                        .map { outbound in downstream.attach(outbound) }
                        .flatMapError { _ in inbound.close() }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = listener.localAddress?.port else { throw ConformanceFailure("proxy did not bind") }
        let proxy = StallingTCPProxy(port: port, listener: listener)
        box.proxy = proxy
        return proxy
    }

    private func relay(on channel: any Channel, partner: (any Channel)? = nil) -> ProxyRelay {
        lock.withLock {
            let relay = ProxyRelay(channel: channel, partner: partner, stalled: stalled)
            // Kept for the proxy's life (a test makes a few dozen connections): a relay still
            // connecting is not active yet and must not be mistaken for a closed one.
            relays.append(relay)
            return relay
        }
    }

    /// Stops forwarding in both directions on every connection, present and future.
    public func stall() { set(stalled: true) }

    /// Delivers what was held and forwards again.
    public func resume() { set(stalled: false) }

    private func set(stalled: Bool) {
        let relays = lock.withLock {
            self.stalled = stalled
            return self.relays
        }
        for relay in relays { relay.set(stalled: stalled) }
    }

    public func stop() async {
        try? await listener.close()
        for relay in lock.withLock({ relays }) { try? await relay.channel.close() }
    }
}

private final class ProxyBox: @unchecked Sendable {
    var proxy: StallingTCPProxy?
}

/// Reads one side of a proxied connection and writes to the other; everything runs on the read
/// side's event loop (both sides share it), so held bytes and new ones keep their order.
private final class ProxyRelay: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let channel: any Channel
    private var partner: (any Channel)?
    private var stalled: Bool
    private var held: [ByteBuffer] = []

    init(channel: any Channel, partner: (any Channel)?, stalled: Bool) {
        self.channel = channel
        self.partner = partner
        self.stalled = stalled
    }

    func attach(_ partner: any Channel) {
        channel.eventLoop.execute {
            self.partner = partner
            self.flushHeld()
        }
    }

    func set(stalled: Bool) {
        channel.eventLoop.execute {
            self.stalled = stalled
            self.flushHeld()
        }
    }

    private func flushHeld() {
        guard !stalled, let partner, !held.isEmpty else { return }
        for buffer in held { partner.write(buffer, promise: nil) }
        held.removeAll()
        partner.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if stalled || partner == nil {
            held.append(buffer)
        } else {
            partner?.writeAndFlush(buffer, promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The other side goes when this one does; a stalled proxy forwards no close either.
        if stalled {
            channel.eventLoop.scheduleTask(in: .milliseconds(100)) { self.closeWhenResumed() }
        } else {
            partner?.close(promise: nil)
        }
        context.fireChannelInactive()
    }

    private func closeWhenResumed() {
        if stalled {
            channel.eventLoop.scheduleTask(in: .milliseconds(100)) { self.closeWhenResumed() }
        } else {
            flushHeld()
            partner?.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
