// One query to one server over UDP (RFC 1035 §4.2.1) or TCP (§4.2.2, RFC 7766).
//
// Spoofing defences (RFC 5452 §9): a fresh socket per query bound to port 0, so the kernel
// picks a random source port; a random 16-bit ID from the system CSPRNG; and a reply is accepted
// only from the server's address, with our ID, QR set and the same question. Anything else is
// dropped and we keep waiting until the timeout.

import DNSMessage
import Logging
import NIOCore
import NIOPosix

enum TransportFailure: Error {
    case timeout
    case malformed(String)
    case network(String)
}

struct DNSTransport: Sendable {
    let group: any EventLoopGroup
    let logger: Logger

    /// True when `response` answers `query` (RFC 5452 §9.1 checks).
    static func matches(_ response: DNSMessage, _ query: DNSMessage) -> Bool {
        response.isResponse && response.id == query.id && response.opcode == query.opcode
            && response.questions == query.questions
    }

    func udp(_ query: DNSMessage, to server: SocketAddress, timeout: TimeAmount) async throws -> DNSMessage {
        let loop = group.next()
        let promise = loop.makePromise(of: DNSMessage.self)
        let wire = try query.encoded()
        let logger = self.logger
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: loop)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: DNSLimits.maxMessageLength))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            UDPResponseHandler(query: query, server: server, promise: promise, logger: logger))
                    }
                }
                .bind(host: server.protocol == .inet6 ? "::" : "0.0.0.0", port: 0).get()
        } catch {
            promise.fail(TransportFailure.network("\(error)"))
            throw TransportFailure.network("\(error)")
        }
        let timer = loop.scheduleTask(in: timeout) { promise.fail(TransportFailure.timeout) }
        promise.futureResult.whenComplete { _ in
            timer.cancel()
            channel.close(promise: nil)
        }
        var buffer = channel.allocator.buffer(capacity: wire.count)
        buffer.writeBytes(wire)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: buffer)).whenFailure { error in
            promise.fail(TransportFailure.network("\(error)"))
        }
        return try await Self.result(of: promise)
    }

    func tcp(_ query: DNSMessage, to server: SocketAddress, timeout: TimeAmount) async throws -> DNSMessage {
        let loop = group.next()
        let promise = loop.makePromise(of: DNSMessage.self)
        var framed = ByteBuffer()
        try DNSTCPFraming.frame(try query.encoded(), into: &framed)
        let timer = loop.scheduleTask(in: timeout) { promise.fail(TransportFailure.timeout) }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(TCPResponseHandler(query: query, promise: promise))
                    }
                }
                .connect(to: server).get()
        } catch {
            timer.cancel()
            promise.fail(TransportFailure.network("\(error)"))
            throw TransportFailure.network("\(error)")
        }
        promise.futureResult.whenComplete { _ in
            timer.cancel()
            channel.close(promise: nil)
        }
        channel.writeAndFlush(framed).whenFailure { error in promise.fail(TransportFailure.network("\(error)")) }
        return try await Self.result(of: promise)
    }

    /// The reply, or the query abandoned (its socket closed) when the task waiting for it is
    /// cancelled: another server answered first.
    private static func result(of promise: EventLoopPromise<DNSMessage>) async throws -> DNSMessage {
        try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
        }
    }
}

final class UDPResponseHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let query: DNSMessage
    let server: SocketAddress
    let promise: EventLoopPromise<DNSMessage>
    let logger: Logger

    init(query: DNSMessage, server: SocketAddress, promise: EventLoopPromise<DNSMessage>, logger: Logger) {
        self.query = query
        self.server = server
        self.promise = promise
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == server else {
            logger.debug("dropped DNS reply from unexpected address", metadata: ["from": "\(envelope.remoteAddress)"])
            return
        }
        guard let response = try? DNSMessage(decoding: envelope.data) else {
            logger.debug("dropped malformed DNS reply", metadata: ["from": "\(envelope.remoteAddress)"])
            return
        }
        guard DNSTransport.matches(response, query) else {
            logger.debug("dropped DNS reply that does not match the query",
                         metadata: ["id": "\(response.id)", "expected": "\(query.id)"])
            return
        }
        promise.succeed(response)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable and the like: this server will not answer.
        promise.fail(TransportFailure.network("\(error)"))
    }
}

final class TCPResponseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let query: DNSMessage
    let promise: EventLoopPromise<DNSMessage>

    init(query: DNSMessage, promise: EventLoopPromise<DNSMessage>) {
        self.query = query
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Over TCP the source is authenticated by the connection; a mismatch is a broken server.
        do {
            let response = try DNSMessage(decoding: unwrapInboundIn(data))
            if DNSTransport.matches(response, query) {
                promise.succeed(response)
            } else {
                promise.fail(TransportFailure.malformed("TCP reply does not match the query"))
            }
        } catch {
            promise.fail(TransportFailure.malformed("\(error)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(TransportFailure.network("connection closed before a reply"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(TransportFailure.network("\(error)"))
        context.close(promise: nil)
    }
}
