import IMAPProtocol
import Logging
import NIOCore
import ServerRuntime

/// Drives one `IMAPSession` on a channel: hands it the bytes received and the commands decoded
/// from them one at a time (pipelined commands wait their turn, RFC 9051 §5.5), and carries out
/// the actions it returns: writes, steps (`SteppingSession.perform`), timers, the change feed,
/// STARTTLS and closing. All protocol decisions are the session's.
///
/// Backpressure: while a command runs or the channel is not writable (the client is not reading
/// what we send), the handler holds back `read()`, so the kernel's socket buffer and TCP flow
/// control stop the client instead of our memory; pipelined commands wait undecoded in a buffer
/// bounded by the session's budget (`SessionInput`), and FETCH sends its next messages only when
/// the output has drained (`.continueWhenWritable`).
final class IMAPSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let server: IMAPServer
    let connection: ConnectionContext
    var session: IMAPSession
    let steps: IMAPStepRunner
    /// Input not yet decoded; its budget is the command size limit (`limits.max_session_input`).
    var inbound: SessionInput
    /// A step is in flight (`SteppingSession`).
    var busy = false
    /// The session is handling an event right now. A write may fire `channelWritabilityChanged`
    /// re-entrantly; it must not start the next command in the middle of this one's responses.
    var dispatching = false
    var timers: [IMAPTimer: Scheduled<Void>] = [:]
    let logger: Logger

    init(server: IMAPServer, connection: ConnectionContext) {
        self.server = server
        self.connection = connection
        let configuration = server.configuration
        self.inbound = SessionInput(budget: configuration.limits.maxCommandSize)
        var logger = server.logger
        logger[metadataKey: "remote"] = "\(connection.remoteIP)"
        logger[metadataKey: "listener"] = "\(connection.listener)"
        self.logger = logger
        let settings = IMAPSession.Settings(
            hostname: configuration.hostname, limits: configuration.limits, maxOtherLiteralSize: configuration.maxOtherLiteralSize,
            sasl: configuration.sasl, loopback: connection.isLoopback, tlsAvailable: connection.tls != nil,
            channelBindingAvailable: { connection.channelBinding != nil }, idleTimeout: configuration.idleTimeout,
            loginTimeout: configuration.loginTimeout, commandTimeout: configuration.commandTimeout,
            minimumLiteralRate: configuration.minimumLiteralRate, messageLimits: configuration.messageLimits)
        self.session = IMAPSession(settings: settings, tlsActive: connection.implicitTLS, logger: logger)
        self.steps = IMAPStepRunner(store: server.store, sessions: server.sessions, authenticator: server.authenticator,
                                    connection: connection, configuration: configuration, logger: logger)
    }

    // MARK: channel events

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { feed(.greeting, context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        feed(.greeting, context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !session.isClosed else { return }  // after the last reply: dropped (`closeAfterLastReply`)
        var bytes = unwrapInboundIn(data)
        feed(.received(octets: bytes.readableBytes, at: context.eventLoop.now), context)
        inbound.append(&bytes)
        drain(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        feed(.connectionClosed, context)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerShutdownEvent {
            feed(.shutdown, context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.info("connection error", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
        context.close(promise: nil)
    }

    // MARK: backpressure

    /// No more input while a command runs, our output waits for the client to read it, or the
    /// undecoded input alone fills the session's budget (the command being assembled is bounded
    /// by the same budget in the decoder).
    var readingPaused: Bool { session.busy || inbound.isFull() }

    func read(context: ChannelHandlerContext) {
        inbound.read(context, paused: readingPaused || !context.channel.isWritable)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        // Re-entrant (a write of the running command drained the buffer): that command's own
        // code goes on, and `drain` runs after it anyway.
        guard context.channel.isWritable, !dispatching, !session.isClosed else { return }
        dispatching = true
        feed(.outputWritable, context)
        dispatching = false
        if session.isClosed { return }
        drain(context)
    }

    // MARK: driving the session

    /// Hands over the commands received, one at a time; stops while a command runs or while the
    /// client is not reading our output (pipelined commands then wait in `inbound`, whose
    /// growth is stopped by holding back `read()`).
    func drain(_ context: ChannelHandlerContext) {
        while session.readsCommands && context.channel.isWritable {
            guard let input = session.nextInput(from: &inbound.buffer) else { break }
            dispatching = true
            feed(.input(input), context)
            dispatching = false
        }
        if session.isClosed { return }
        feed(.inputDrained(bufferEmpty: inbound.buffer.readableBytes == 0), context)
        if session.isClosed { return }
        inbound.reclaim()
        inbound.resume(context, paused: readingPaused || !context.channel.isWritable)
    }

    func feed(_ event: IMAPSession.Event, _ context: ChannelHandlerContext) {
        for action in session.handle(event) { execute(action, context) }
    }
}

/// Store work runs as steps; commands stay in order.
extension IMAPSessionHandler: SteppingSession {
    /// Always: a result that arrives after the client left still goes to the session, so a
    /// session slot taken meanwhile is given back.
    var acceptsStepResults: Bool { true }
    func willApplyStep(_ context: ChannelHandlerContext) { dispatching = true }
    func didApplyStep(_ context: ChannelHandlerContext) {
        dispatching = false
        if session.isClosed { return }
        drain(context)
    }
}
