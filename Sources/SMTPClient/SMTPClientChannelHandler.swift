import NIOCore
import NIOTLS

/// The one handler of a client connection, on its event loop: frames replies, hands them to
/// whoever waits (in order, so pipelined replies line up with their commands), runs the timers,
/// and turns every way a connection can end into one `SMTPClientError`. After the first failure
/// the channel is closed and every later request fails with that same error.
final class SMTPClientChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    /// Replies read ahead of the session (pipelined replies wait here): RFC 5321 §4.5.3.1.8's
    /// 100 recipients plus MAIL and DATA fit many times over; more is a peer talking by itself.
    static let maxUnrequestedReplies = 1000

    private var parser: SMTPReplyParser
    private var buffer = ByteBuffer()
    private var ready = CircularBuffer<SMTPClientReply>()
    private var waiter: (promise: EventLoopPromise<SMTPClientReply>, timer: Scheduled<Void>)?
    private var handshake: (promise: EventLoopPromise<Void>, timer: Scheduled<Void>)?
    private var handshakeCompleted = false
    private var context: ChannelHandlerContext?
    private(set) var failure: SMTPClientError?
    /// What the session is doing now; names timeouts and closes.
    var stage: SMTPClientStage = .greeting

    /// Kept after the handler leaves the pipeline (a closed channel), so late requests still fail cleanly.
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop, maxReplyLineLength: Int, maxReplyLines: Int) {
        self.eventLoop = eventLoop
        parser = SMTPReplyParser(maxLineLength: maxReplyLineLength, maxLines: maxReplyLines)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        buffer = context.channel.allocator.buffer(capacity: 512)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard failure == nil else { return }
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        do throws(SMTPReplyParser.Failure) {
            while let reply = try parser.next(from: &buffer) { deliver(reply) }
            buffer.discardReadBytes()
        } catch {
            fail(.protocolViolation(error.description, stage: stage))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if handshake != nil || (stage == .tlsHandshake && !handshakeCompleted) {
            fail(.tlsHandshakeFailed("connection closed during the handshake"))
        } else {
            fail(.connectionClosed(stage))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if stage == .tlsHandshake && !handshakeCompleted {
            fail(.tlsHandshakeFailed(String(describing: error)))
        } else {
            fail(.connectionClosed(stage))
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            handshakeCompleted = true
            if let handshake {
                self.handshake = nil
                handshake.timer.cancel()
                handshake.promise.succeed()
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: requests from the session (on the event loop)

    /// The next reply, or the connection's failure, or `.timeout(stage)` after `timeout`.
    func nextReply(timeout: TimeAmount) -> EventLoopFuture<SMTPClientReply> {
        if let reply = ready.popFirst() { return eventLoop.makeSucceededFuture(reply) }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        precondition(waiter == nil, "one reply request at a time")
        let promise = eventLoop.makePromise(of: SMTPClientReply.self)
        let timer = eventLoop.assumeIsolated().scheduleTask(in: timeout) { self.fail(.timeout(self.stage)) }
        waiter = (promise, timer)
        return promise.futureResult
    }

    /// Before the TLS handler goes in after "220 Ready to start TLS": anything the server sent
    /// after that reply came in plaintext and could be an injected response (the client side of
    /// CVE-2011-0411), so it is a protocol violation rather than something to read after TLS.
    func prepareForTLS() -> SMTPClientError? {
        if let failure { return failure }
        guard buffer.readableBytes == 0, ready.isEmpty, !parser.isInsideReply else {
            let error = SMTPClientError.protocolViolation("plaintext received after the STARTTLS reply", stage: .startTLS)
            fail(error)
            return error
        }
        stage = .tlsHandshake
        handshakeCompleted = false
        return nil
    }

    /// Completes when the TLS handshake has (TLSUserEvent.handshakeCompleted).
    func handshakeDone(timeout: TimeAmount) -> EventLoopFuture<Void> {
        if handshakeCompleted { return eventLoop.makeSucceededVoidFuture() }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        let promise = eventLoop.makePromise(of: Void.self)
        let timer = eventLoop.assumeIsolated().scheduleTask(in: timeout) { self.fail(.timeout(.tlsHandshake)) }
        handshake = (promise, timer)
        return promise.futureResult
    }

    /// Records the failure (the first one wins), fails whoever waits and closes the channel.
    func fail(_ error: SMTPClientError) {
        guard failure == nil else { return }
        failure = error
        if let waiter {
            self.waiter = nil
            waiter.timer.cancel()
            waiter.promise.fail(error)
        }
        if let handshake {
            self.handshake = nil
            handshake.timer.cancel()
            handshake.promise.fail(error)
        }
        context?.close(promise: nil)
    }

    private func deliver(_ reply: SMTPClientReply) {
        if let waiter {
            self.waiter = nil
            waiter.timer.cancel()
            waiter.promise.succeed(reply)
        } else if ready.count < Self.maxUnrequestedReplies {
            ready.append(reply)
        } else {
            fail(.protocolViolation("more than \(Self.maxUnrequestedReplies) replies nobody asked for", stage: stage))
        }
    }
}
