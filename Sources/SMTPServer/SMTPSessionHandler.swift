import Logging
import NIOCore
import Reception
import ServerRuntime

/// Drives one `SMTPSession` on a channel: hands it the client's bytes, carries out the actions
/// it returns (writes, steps with `SteppingSession.perform`, the header-phase prefetch, the
/// timer, STARTTLS, closing) and feeds timers, step results and channel events back. All
/// protocol decisions, and the framing, are the session's.
///
/// Input is read only while no command runs and what the session holds (undecoded input plus
/// the message so far) is under its budget (`SessionInput`): a client pipelining behind a slow
/// command (a DNS lookup, a delayed AUTH reply, a delivery) is held back by TCP, not buffered.
final class SMTPSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let server: SMTPServer
    let connection: ConnectionContext
    var session: SMTPSession
    let steps: SMTPStepRunner
    var inbound: SessionInput
    var busy = false
    let logger: Logger
    var timer: Scheduled<Void>?

    /// `eventLoop` is the channel's: the session's deadlines are on its clock, so a session
    /// driven on a test loop moves only when told.
    init(server: SMTPServer, connection: ConnectionContext, eventLoop: any EventLoop) {
        self.server = server
        self.connection = connection
        self.inbound = SessionInput(budget: server.configuration.maxSessionInput)
        var logger = server.logger
        logger[metadataKey: "remote"] = "\(connection.remoteIP)"
        logger[metadataKey: "listener"] = "\(connection.listener)"
        self.logger = logger
        let configuration = server.configuration, pipeline = server.pipeline
        let phases = ReceptionPhases([.connection, .helo, .mailFrom, .header].filter { pipeline.runs($0) })
        let settings = SMTPSession.Settings(
            hostname: configuration.hostname, profile: configuration.profile, limits: configuration.limits,
            sasl: configuration.sasl, remoteIP: connection.remoteIP, loopback: connection.isLoopback,
            startTLSAvailable: connection.tls != nil, phases: phases,
            channelBindingAvailable: { connection.channelBinding != nil },
            tlsDescription: { connection.tlsSession?.description }, now: { eventLoop.now })
        self.session = SMTPSession(settings: settings, tlsActive: connection.implicitTLS, logger: logger)
        self.steps = SMTPStepRunner(
            pipeline: pipeline, delivery: server.delivery, store: server.store, authenticator: server.authenticator,
            connection: connection, messageLimits: configuration.messageLimits, logger: logger)
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
        inbound.append(&bytes)
        drain(context)
    }

    /// No more input while a command runs or the session holds its budget's worth.
    var readingPaused: Bool { busy || inbound.isFull(assembled: session.assembledOctets) }

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
        feed(.connectionClosed, context)
        context.close(promise: nil)
    }

    // MARK: driving the session

    /// Lets the session decode what it may of the buffered input.
    func drain(_ context: ChannelHandlerContext) {
        execute(session.receive(&inbound.buffer), context)
        // Reclaim consumed input so a long session does not grow the buffer; read on unless
        // a step started (`busy`) or the budget is used up.
        inbound.reclaim()
        if !session.isClosed { inbound.resume(context, paused: readingPaused) }
    }

    func feed(_ event: SMTPSession.Event, _ context: ChannelHandlerContext) {
        execute(session.handle(event), context)
    }

    private func execute(_ actions: [SMTPAction], _ context: ChannelHandlerContext) {
        for action in actions { execute(action, context) }
    }

    private func execute(_ action: SMTPAction, _ context: ChannelHandlerContext) {
        switch action {
        case .send(let reply):
            var buffer = context.channel.allocator.buffer(capacity: 128)
            reply.encode(into: &buffer, enhancedStatusCodes: true)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .run(let step):
            let steps = self.steps
            perform(context) {
                let result = await steps.run(step)
                return { handler, context in handler.feed(.stepFinished(result), context) }
            }
        case .startTLS:
            let channel = context.channel
            connection.startTLS(on: channel)?.whenFailure { [logger] error in
                logger.info("STARTTLS failed", metadata: ["error": "\(error)"])
                channel.close(promise: nil)
            }
        case .headerReceived(let header, let transaction, let client):
            server.pipeline.headerReceived(header, transaction: transaction, client: client)
        case .close:
            context.channel.closeAfterLastReply()
        case .armTimer(let deadline):
            timer?.cancel()
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(deadline: deadline) {
                let (handler, context) = bound.value
                handler.feed(.timeout, context)
            }
        case .cancelTimer:
            timer?.cancel()
        }
    }
}

/// Store, DNS and password work runs as steps (`SteppingSession.perform`); later commands wait.
extension SMTPSessionHandler: SteppingSession {
    var acceptsStepResults: Bool { !session.isClosed }
    func didApplyStep(_ context: ChannelHandlerContext) { drain(context) }
}
