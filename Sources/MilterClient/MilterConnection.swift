// One connection to a filter over SwiftNIO: writes command packets, reads reply packets with a
// deadline. The conversation (which steps, which replies) is `MilterConversation`'s.

import MilterProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Why talking to a filter failed; the stage then applies the filter's `default_action`.
public enum MilterConnectionError: Error, Sendable, Equatable {
    case connectFailed(String)
    case timedOut
    case closed
    case protocolError(MilterProtocolError)
}

/// A connection to one filter. Not shared: one per message.
public final class MilterConnection: Sendable {
    private let channel: any Channel
    private let packets: AsyncThrowingStream<MilterPacket, any Error>
    private let state: MilterDeadline

    private init(channel: any Channel, packets: AsyncThrowingStream<MilterPacket, any Error>, state: MilterDeadline) {
        self.channel = channel
        self.packets = packets
        self.state = state
    }

    /// Connects within `timeout`.
    public static func connect(to endpoint: MilterEndpoint, group: any EventLoopGroup, timeout: TimeAmount,
                               maxPacketSize: Int) async throws(MilterConnectionError) -> MilterConnection {
        let (packets, continuation) = AsyncThrowingStream<MilterPacket, any Error>.makeStream()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        MilterPacketHandler(decoder: MilterPacketDecoder(maxPacketSize: maxPacketSize), continuation: continuation))
                }
            }
        do {
            let channel: any Channel
            switch endpoint {
            case .inet(let host, let port): channel = try await bootstrap.connect(host: host, port: port).get()
            case .unix(let path): channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            }
            return MilterConnection(channel: channel, packets: packets, state: MilterDeadline())
        } catch {
            continuation.finish()
            throw .connectFailed(String(describing: error))
        }
    }

    /// Sends one command.
    public func send(_ command: MilterCommand) async throws(MilterConnectionError) {
        do {
            try await channel.writeAndFlush(ByteBuffer(bytes: command.packet.encoded))
        } catch {
            throw .closed
        }
    }

    /// The next reply packet, within `timeout`: the channel closes when the deadline passes.
    public func nextPacket(timeout: TimeAmount) async throws(MilterConnectionError) -> MilterPacket {
        let channel = self.channel
        let state = self.state
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            state.expire()
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            var iterator = packets.makeAsyncIterator()
            if let packet = try await iterator.next() { return packet }
        } catch let error as MilterProtocolError {
            throw .protocolError(error)
        } catch {}
        throw state.expired ? .timedOut : .closed
    }

    public func close() {
        channel.close(promise: nil)
    }
}

/// Whether the read deadline passed (set on the event loop, read after the stream ends).
final class MilterDeadline: Sendable {
    private let flag = NIOLockedValueBox(false)
    func expire() { flag.withLockedValue { $0 = true } }
    var expired: Bool { flag.withLockedValue { $0 } }
}

/// Splits the inbound bytes into packets for the stream; a framing error ends it and the connection.
final class MilterPacketHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var decoder: MilterPacketDecoder
    private let continuation: AsyncThrowingStream<MilterPacket, any Error>.Continuation

    init(decoder: MilterPacketDecoder, continuation: AsyncThrowingStream<MilterPacket, any Error>.Continuation) {
        self.decoder = decoder
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        decoder.append(buffer.readableBytesView)
        do {
            while let packet = try decoder.next() { continuation.yield(packet) }
        } catch {
            continuation.finish(throwing: error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish()
        context.close(promise: nil)
    }
}
