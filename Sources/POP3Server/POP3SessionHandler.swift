import Logging
import NIOCore
import POP3Protocol
import ServerRuntime

/// Drives one `POP3Session` on a channel: decodes lines and feeds them to the session one at a
/// time (pipelined commands wait their turn, RFC 2449 §6.6), and carries out the actions it
/// returns: writes, steps (`SteppingSession.perform`), timers, STLS and closing. All protocol
/// decisions are the session's.
///
/// Input is read only while no command runs and what waits is under the session's budget
/// (`SessionInput`): a client pipelining behind a slow command (a login delayed by the
/// throttle) is held back by TCP, not buffered.
final class POP3SessionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let server: POP3Server
    let connection: ConnectionContext
    var session: POP3Session
    let steps: POP3StepRunner
    var inbound: SessionInput
    var decoder: POP3LineDecoder
    var busy = false
    let logger: Logger
    var idleTimer: Scheduled<Void>?
    var loginTimer: Scheduled<Void>?

    init(server: POP3Server, connection: ConnectionContext) {
        self.server = server
        self.connection = connection
        self.decoder = POP3LineDecoder(maxLineLength: server.configuration.maxLineLength)
        self.inbound = SessionInput(budget: server.configuration.maxSessionInput)
        var logger = server.logger
        logger[metadataKey: "remote"] = "\(connection.remoteIP)"
        logger[metadataKey: "listener"] = "\(connection.listener)"
        self.logger = logger
        let configuration = server.configuration
        let settings = POP3Session.Settings(
            hostname: configuration.hostname, sasl: configuration.sasl, loginTimeout: configuration.loginTimeout,
            loopback: connection.isLoopback, stlsAvailable: connection.tls != nil,
            channelBindingAvailable: { connection.channelBinding != nil })
        self.session = POP3Session(settings: settings, tlsActive: connection.implicitTLS, logger: logger)
        self.steps = POP3StepRunner(store: server.store, locks: server.locks, authenticator: server.authenticator,
                                    connection: connection, logger: logger)
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
        if session.isClosed { return }  // after the last reply: dropped (see `closeAfterLastReply`)
        var bytes = unwrapInboundIn(data)
        inbound.append(&bytes)
        drain(context)
    }

    /// No more input while a command runs or the session holds its budget's worth.
    var readingPaused: Bool { busy || inbound.isFull() }

    func read(context: ChannelHandlerContext) {
        inbound.read(context, paused: readingPaused)
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
        logger.info("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: driving the session

    /// Hands over complete lines while the session reads commands.
    func drain(_ context: ChannelHandlerContext) {
        defer {
            inbound.reclaim()
            if !session.isClosed { inbound.resume(context, paused: readingPaused) }
        }
        while session.readsCommands {
            let line: POP3LineDecoder.POP3Line?
            do { line = try decoder.nextLine(&inbound.buffer) } catch { break }
            guard let line else { break }
            feed(.line(line), context)
        }
        feed(.inputDrained, context)
    }

    func feed(_ event: POP3Session.Event, _ context: ChannelHandlerContext) {
        for action in session.handle(event) { execute(action, context) }
    }

    private func execute(_ action: POP3Action, _ context: ChannelHandlerContext) {
        switch action {
        case .send(let reply):
            var buffer = context.channel.allocator.buffer(capacity: 64)
            reply.write(into: &buffer)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .run(let step):
            let steps = self.steps
            perform(context) {
                let result = await steps.run(step)
                return { handler, context in handler.feed(.stepFinished(result), context) }
            }
        case .startTLS:
            // RFC 2595 §4: what the client pipelined behind STLS is discarded, unread.
            inbound.discardAll()
            decoder = POP3LineDecoder(maxLineLength: server.configuration.maxLineLength)
            let channel = context.channel
            connection.startTLS(on: channel)?.whenFailure { [logger] error in
                logger.info("STLS failed", metadata: ["error": "\(error)"])
                channel.close(promise: nil)
            }
        case .releaseLock(let account):
            server.locks.release(account)
        case .close:
            context.channel.closeAfterLastReply()
        case .armIdleTimer:
            idleTimer?.cancel()
            idleTimer = schedule(.idleTimeout, in: server.configuration.idleTimeout, context)
        case .armLoginTimer(let delay):
            loginTimer?.cancel()
            loginTimer = schedule(.loginTimeout, in: delay, context)
        case .cancelTimers:
            idleTimer?.cancel()
            loginTimer?.cancel()
        }
    }

    /// Timeouts that bytes alone cannot extend (the session decides what a timeout means).
    private func schedule(_ event: POP3Session.Event, in delay: Duration, _ context: ChannelHandlerContext) -> Scheduled<Void> {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        return context.eventLoop.scheduleTask(in: .nanoseconds(delay.wholeNanoseconds)) {
            let (handler, context) = bound.value
            handler.feed(event, context)
        }
    }
}

/// Store and password work runs as steps; commands stay in order.
extension POP3SessionHandler: SteppingSession {
    /// Always: a result that arrives after the client left still goes to the session, so a
    /// maildrop lock taken meanwhile is given back.
    var acceptsStepResults: Bool { true }
    func didApplyStep(_ context: ChannelHandlerContext) {
        if busy || session.isClosed { return }
        drain(context)
    }
}

extension Duration {
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
