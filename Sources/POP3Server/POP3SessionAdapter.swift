import Logging
import MailStore
import NIOCore
import POP3Protocol
import ServerRuntime

/// What POP3 adds to the shared `SessionDriver`: it decodes lines and hands them to the
/// `POP3Session` one at a time while it reads commands (pipelined commands wait their turn,
/// RFC 2449 §6.6), writes its replies, and releases the maildrop lock when the session says so.
/// Everything else (steps, timers, STLS, closing, read gating) is the driver's.
final class POP3SessionAdapter: SessionAdapter {
    typealias Machine = POP3Session

    enum TimerID: Hashable, Sendable {
        case idle
        case login
    }

    let server: POP3Server
    let connection: ConnectionContext
    let steps: POP3StepRunner
    let logger: Logger
    var decoder: POP3LineDecoder
    let startTLSCommand = "STLS"

    init(server: POP3Server, connection: ConnectionContext, logger: Logger) {
        self.server = server
        self.connection = connection
        self.logger = logger
        self.decoder = POP3LineDecoder(maxLineLength: server.configuration.maxLineLength)
        self.steps = POP3StepRunner(store: server.store, locks: server.locks, authenticator: server.authenticator,
                                    connection: connection, logger: logger)
    }

    /// The channel handler for one POP3 connection.
    static func makeDriver(server: POP3Server, connection: ConnectionContext) -> SessionDriver<POP3SessionAdapter> {
        var logger = server.logger
        logger[metadataKey: "remote"] = "\(connection.remoteIP)"
        logger[metadataKey: "listener"] = "\(connection.listener)"
        let configuration = server.configuration
        let settings = POP3Session.Settings(
            hostname: configuration.hostname, sasl: configuration.sasl, loginTimeout: configuration.loginTimeout,
            loopback: connection.isLoopback, stlsAvailable: connection.tls != nil,
            channelBindingAvailable: { connection.channelBinding != nil })
        return SessionDriver(
            machine: POP3Session(settings: settings, tlsActive: connection.implicitTLS, logger: logger),
            adapter: POP3SessionAdapter(server: server, connection: connection, logger: logger),
            inputBudget: configuration.maxSessionInput)
    }

    /// Hands over complete lines while the session reads commands.
    func handOverInput(_ driver: Driver, _ context: ChannelHandlerContext) {
        while driver.machine.readsCommands {
            let line: POP3LineDecoder.POP3Line?
            do { line = try decoder.nextLine(&driver.inbound.buffer) } catch { break }
            guard let line else { break }
            driver.feed(.line(line), context)
        }
        driver.feed(.inputDrained, context)
    }

    func driverAction(for action: POP3Action, _ driver: Driver, _ context: ChannelHandlerContext) -> DriverAction? {
        switch action {
        case .send(let reply):
            var buffer = context.channel.allocator.buffer(capacity: 64)
            reply.write(into: &buffer)
            return .send(buffer)
        case .run(let step):
            return .run(step)
        case .startTLS:
            // RFC 2595 §4: what the client pipelined behind STLS is discarded, unread.
            decoder = POP3LineDecoder(maxLineLength: server.configuration.maxLineLength)
            return .startTLS(discardingInput: true)
        case .releaseLock(let account):
            server.locks.release(account)
            return nil
        case .close:
            return .close
        case .armIdleTimer:
            return .armTimer(.idle, .after(server.configuration.idleTimeout))
        case .armLoginTimer(let delay):
            return .armTimer(.login, .after(delay))
        case .cancelTimers:
            return .cancelTimers
        }
    }

    func timerFired(_ timer: TimerID, _ context: ChannelHandlerContext) -> POP3Session.Event {
        switch timer {
        case .idle: .idleTimeout
        case .login: .loginTimeout
        }
    }
}

extension POP3Session: SessionMachine {
    static var greeting: Event { .greeting }
    static var shutdown: Event { .shutdown }
    static var connectionClosed: Event { .connectionClosed }
    static func stepFinished(_ result: POP3StepResult) -> Event { .stepFinished(result) }
}

extension POP3StepRunner: SessionStepRunner {}
