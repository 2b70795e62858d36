import Logging
import MailStore
import ManageSieveProtocol
import NIOCore
import ServerRuntime
import SieveProtocol

/// What ManageSieve adds to the shared `SessionDriver`: it frames commands (literals included)
/// and hands them to `ManageSieveSession` one at a time, writes its responses, and resizes the
/// literal limit at login. Steps, timers, STARTTLS, closing and read gating are the driver's.
final class ManageSieveSessionAdapter: SessionAdapter {
    typealias Machine = ManageSieveSession

    enum TimerID: Hashable, Sendable {
        case idle
        case login
    }

    let server: ManageSieveServer
    let connection: ConnectionContext
    let steps: ManageSieveStepRunner
    let logger: Logger
    var decoder: ManageSieveFrameDecoder
    let startTLSCommand = "STARTTLS"

    init(server: ManageSieveServer, connection: ConnectionContext, logger: Logger, loginLiteral: Int) {
        self.server = server
        self.connection = connection
        self.logger = logger
        self.decoder = ManageSieveFrameDecoder(maxLineLength: server.configuration.maxLineLength, maxLiteralSize: loginLiteral)
        self.steps = ManageSieveStepRunner(
            store: server.store, scripts: server.scripts, authenticator: server.authenticator, connection: connection,
            limits: server.configuration.limits, maxScripts: server.configuration.maxScripts,
            library: SieveScriptLibrary(store: server.scripts, globalDirectory: server.configuration.globalDirectory,
                                        maxScriptSize: server.configuration.limits.maxScriptSize),
            logger: logger)
    }

    static func makeDriver(server: ManageSieveServer, connection: ConnectionContext) -> SessionDriver<ManageSieveSessionAdapter> {
        var logger = server.logger
        logger[metadataKey: "remote"] = "\(connection.remoteIP)"
        logger[metadataKey: "listener"] = "\(connection.listener)"
        let configuration = server.configuration
        let settings = ManageSieveSession.Settings(
            hostname: configuration.hostname, sasl: configuration.sasl, loginTimeout: configuration.loginTimeout,
            loopback: connection.isLoopback, startTLSAvailable: connection.tls != nil,
            channelBindingAvailable: { connection.channelBinding != nil },
            maxScriptSize: configuration.limits.maxScriptSize, maxLoginLiteral: configuration.maxLineLength,
            maxRedirects: configuration.limits.maxRedirects, extensions: SieveProgram.supportedExtensions)
        return SessionDriver(
            machine: ManageSieveSession(settings: settings, tlsActive: connection.implicitTLS, logger: logger),
            adapter: ManageSieveSessionAdapter(server: server, connection: connection, logger: logger, loginLiteral: settings.maxLoginLiteral),
            inputBudget: configuration.maxSessionInput)
    }

    func handOverInput(_ driver: Driver, _ context: ChannelHandlerContext) {
        while driver.machine.readsCommands, let input = decoder.next(&driver.inbound.buffer) {
            driver.feed(.input(input), context)
        }
        driver.feed(.inputDrained, context)
    }

    func assembledOctets(_ machine: ManageSieveSession) -> Int { decoder.assembledOctets }

    func driverAction(for action: ManageSieveAction, _ driver: Driver, _ context: ChannelHandlerContext) -> DriverAction? {
        switch action {
        case .send(let reply):
            var buffer = context.channel.allocator.buffer(capacity: 128)
            reply.write(into: &buffer)
            return .send(buffer)
        case .run(let step):
            return .run(step)
        case .startTLS:
            // RFC 5804 §2.2: nothing the client sent before the handshake counts.
            decoder = ManageSieveFrameDecoder(maxLineLength: decoder.maxLineLength, maxLiteralSize: decoder.maxLiteralSize)
            return .startTLS(discardingInput: true)
        case .setLiteralLimit(let limit):
            decoder.maxLiteralSize = limit
            return nil
        case .close:
            return .close
        case .armIdleTimer:
            return .armTimer(.idle, .after(server.configuration.idleTimeout))
        case .armLoginTimer(let delay):
            return .armTimer(.login, .after(delay))
        case .cancelLoginTimer:
            return .cancelTimer(.login)
        case .cancelTimers:
            return .cancelTimers
        }
    }

    func timerFired(_ timer: TimerID, _ context: ChannelHandlerContext) -> ManageSieveSession.Event {
        switch timer {
        case .idle: .idleTimeout
        case .login: .loginTimeout
        }
    }
}

extension ManageSieveSession: SessionMachine {
    static var greeting: Event { .greeting }
    static var shutdown: Event { .shutdown }
    static var connectionClosed: Event { .connectionClosed }
    static func stepFinished(_ result: ManageSieveStepResult) -> Event { .stepFinished(result) }
}
