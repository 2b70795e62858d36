import Logging
import NIOCore
import Reception
import ServerRuntime

/// What SMTP adds to the shared `SessionDriver`: the `SMTPSession` decodes the buffered bytes
/// itself (its framing changes with DATA and BDAT), the message being assembled counts towards
/// the input budget, replies carry enhanced status codes, and the header-phase prefetch
/// (`.headerReceived`) goes to the reception pipeline. Everything else (steps, the timer,
/// STARTTLS, closing, read gating) is the driver's.
final class SMTPSessionAdapter: SessionAdapter {
    typealias Machine = SMTPSession

    /// The session has one deadline at a time (SMTPSession+Timeouts.swift).
    enum TimerID: Hashable, Sendable {
        case session
    }

    let server: SMTPServer
    let connection: ConnectionContext
    let steps: SMTPStepRunner
    let logger: Logger
    let startTLSCommand = "STARTTLS"

    init(server: SMTPServer, connection: ConnectionContext, logger: Logger) {
        self.server = server
        self.connection = connection
        self.logger = logger
        let configuration = server.configuration
        self.steps = SMTPStepRunner(
            pipeline: server.pipeline, delivery: server.delivery, store: server.store, authenticator: server.authenticator,
            connection: connection, messageLimits: configuration.messageLimits,
            processingGate: configuration.processingGate, logger: logger)
    }

    /// The channel handler for one SMTP connection. `eventLoop` is the channel's: the session's
    /// deadlines are on its clock, so a session driven on a test loop moves only when told.
    static func makeDriver(server: SMTPServer, connection: ConnectionContext,
                           eventLoop: any EventLoop) -> SessionDriver<SMTPSessionAdapter> {
        var logger = server.logger
        logger[metadataKey: "remote"] = "\(connection.remoteIP)"
        logger[metadataKey: "listener"] = "\(connection.listener)"
        let configuration = server.configuration, pipeline = server.pipeline
        let phases = ReceptionPhases([.connection, .helo, .mailFrom, .header].filter { pipeline.runs($0) })
        let settings = SMTPSession.Settings(
            hostname: configuration.hostname, profile: configuration.profile, limits: configuration.limits,
            sasl: configuration.sasl, remoteIP: connection.remoteIP, loopback: connection.isLoopback,
            startTLSAvailable: connection.tls != nil, phases: phases,
            channelBindingAvailable: { connection.channelBinding != nil },
            tlsDescription: { connection.tlsSession?.description }, now: { eventLoop.now },
            spool: configuration.spool)
        return SessionDriver(
            machine: SMTPSession(settings: settings, tlsActive: connection.implicitTLS, logger: logger),
            adapter: SMTPSessionAdapter(server: server, connection: connection, logger: logger),
            inputBudget: configuration.maxSessionInput)
    }

    /// The session decodes what it may (one command at a time; the rest waits for a step).
    func handOverInput(_ driver: Driver, _ context: ChannelHandlerContext) {
        driver.execute(driver.machine.receive(&driver.inbound.buffer), context)
    }

    func driverAction(for action: SMTPAction, _ driver: Driver, _ context: ChannelHandlerContext) -> DriverAction? {
        switch action {
        case .send(let reply):
            var buffer = context.channel.allocator.buffer(capacity: 128)
            reply.encode(into: &buffer, enhancedStatusCodes: true)
            return .send(buffer)
        case .run(let step):
            return .run(step)
        case .startTLS:
            // The session has dropped what was pipelined behind STARTTLS (RFC 3207 §4.2).
            return .startTLS(discardingInput: false)
        case .headerReceived(let header, let transaction, let client):
            server.pipeline.headerReceived(header, transaction: transaction, client: client)
            return nil
        case .close:
            return .close
        case .armTimer(let deadline):
            return .armTimer(.session, .at(deadline))
        case .cancelTimer:
            return .cancelTimer(.session)
        }
    }

    func timerFired(_ timer: TimerID, _ context: ChannelHandlerContext) -> SMTPSession.Event { .timeout }

    /// The message so far counts towards the session's input budget.
    func assembledOctets(_ machine: SMTPSession) -> Int { machine.assembledOctets }

    /// A result after the session ended is dropped.
    func acceptsStepResults(_ machine: SMTPSession) -> Bool { !machine.isClosed }

    /// Always hands the session its input again: `receive` also ends with the timer for what
    /// the session waits for now.
    func didApplyStep(_ driver: Driver, _ context: ChannelHandlerContext) { driver.drain(context) }

    /// The session ends before the channel does.
    func connectionFailed(_ driver: Driver, _ context: ChannelHandlerContext) {
        driver.feed(.connectionClosed, context)
    }

    /// What the stages kept for the connection (a milter's conversation) is let go.
    func connectionEnded() {
        let closers = steps.session.end()
        guard !closers.isEmpty else { return }
        Task { for closer in closers { await closer() } }
    }
}

extension SMTPSession: SessionMachine {
    static var greeting: Event { .greeting }
    static var shutdown: Event { .shutdown }
    static var connectionClosed: Event { .connectionClosed }
    static func stepFinished(_ result: SMTPStepResult) -> Event { .stepFinished(result) }
}

extension SMTPStepRunner: SessionStepRunner {}
