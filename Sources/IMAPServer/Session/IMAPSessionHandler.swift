import IMAPProtocol
import Logging
import MailStore
import NIOCore
import SASL
import ServerRuntime

/// One IMAP session: owns the command decoder (with manual literal decisions, so APPEND can be
/// refused before the client sends the octets), the session state and the selected mailbox view.
/// Commands run one at a time in the order received; store work runs off the event loop through
/// `perform` and continues on it.
final class IMAPSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let server: IMAPServer
    let connection: ConnectionContext
    var state: IMAPSessionState = .notAuthenticated
    var enabled = EnabledExtensions()
    var tlsActive: Bool
    var inbound = ByteBuffer()
    var decoder: IMAPCommandDecoder
    var encoder = IMAPResponseEncoder()
    /// A command's store work is in flight; input waits.
    var busy = false
    /// IDLE is running for this tag (RFC 2177): updates go out as they arrive.
    var idleTag: String?
    /// An AUTHENTICATE exchange waiting for the client's next response line, with its tag.
    var authExchange: (tag: String, exchange: SASLServerExchange)?
    var shutdownRequested = false
    /// Bumped at every SELECT/EXAMINE/CLOSE so feed events of an earlier selection are dropped.
    var selectionGeneration = 0
    var timeout: Scheduled<Void>?
    var logger: Logger

    init(server: IMAPServer, connection: ConnectionContext) {
        self.server = server
        self.connection = connection
        self.tlsActive = connection.implicitTLS
        self.decoder = IMAPCommandDecoder(limits: server.configuration.limits, literalDecisions: .manual)
        var logger = server.logger
        logger[metadataKey: "remote"] = "\(connection.remoteIP)"
        logger[metadataKey: "listener"] = "\(connection.listener)"
        self.logger = logger
    }

    /// LOGIN and plaintext SASL are allowed over TLS, or from loopback (RFC 9051 §11.1, §6.2.3).
    var plaintextAllowed: Bool { server.configuration.sasl.allowsPlaintextLogin(tlsActive: tlsActive, loopback: connection.isLoopback) }

    // MARK: channel events

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { greet(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        greet(context)
        context.fireChannelActive()
    }

    /// RFC 9051 §7.1.1: the greeting may carry the capabilities, sparing a round trip.
    func greet(_ context: ChannelHandlerContext) {
        send(context, .status(tag: nil, .ok, code: .capability(capabilities), text: "Hato IMAP server ready"))
        resetTimer(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        inbound.writeBuffer(&bytes)
        resetTimer(context)
        drain(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        endSession()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerShutdownEvent {
            shutdownRequested = true
            if !busy { closeForShutdown(context) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.info("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func closeForShutdown(_ context: ChannelHandlerContext) {
        send(context, .status(tag: nil, .bye, code: .unavailable, text: "server shutting down"))
        close(context)
    }

    /// RFC 9051 §5.4: autologout after the idle timeout (30 minutes at least once logged in);
    /// before login a shorter limit keeps half-open connections from piling up.
    func resetTimer(_ context: ChannelHandlerContext) {
        timeout?.cancel()
        let limit = state.user == nil ? server.configuration.loginTimeout : server.configuration.idleTimeout
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(limit.components.seconds) * 1_000_000_000)) {
            let (handler, context) = bound.value
            if case .logout = handler.state { return }
            handler.logger.info("autologout")
            handler.send(context, .status(tag: nil, .bye, text: "autologout; idle for too long"))
            handler.close(context)
        }
    }

    func close(_ context: ChannelHandlerContext) {
        endSession()
        context.close(promise: nil)
    }

    /// Releases the per-user session slot and stops listening to the change feed.
    func endSession() {
        timeout?.cancel()
        if let user = state.user { server.sessions.release(user.accountID) }
        state.selected?.feedTask?.cancel()
        state = .logout
    }

    // MARK: command loop

    func drain(_ context: ChannelHandlerContext) {
        while !busy {
            if case .logout = state { return }
            guard let event = decoder.next(&inbound) else { break }
            handle(event, context)
        }
        if shutdownRequested && !busy { closeForShutdown(context) }
    }

    func handle(_ event: IMAPCommandEvent, _ context: ChannelHandlerContext) {
        switch event {
        case .command(let command):
            dispatch(command, context)
        case .continuationRequest:
            askForLiteral(context)
        case .literalDecisionRequired(let literal):
            decideLiteral(literal, context)
        case .error(let error):
            commandError(error, context)
        case .authenticationResponse(let response):
            authenticationResponse(response, context)
        case .idleEnded(let done):
            endIdle(done: done, context)
        }
    }

    /// RFC 9051 §7.1.3: bad syntax is answered with BAD and a reason; the session goes on.
    func commandError(_ error: IMAPCommandError, _ context: ChannelHandlerContext) {
        let code: IMAPResponseCode? = switch error.kind {
        case .literalTooLarge: .tooBig
        case .limitExceeded, .lineTooLong: .limit
        default: nil
        }
        let text = switch error.kind {
        case .unknownCommand: "unknown command"
        case .literalTooLarge: "literal larger than the limit of \(server.configuration.limits.maxLiteralSize) octets"
        default: error.message
        }
        send(context, .status(tag: error.tag, error.kind == .literalTooLarge ? .no : .bad, code: code, text: text))
    }

    /// Runs async store work off the event loop, then continues on it. Commands stay in order.
    func perform(_ context: ChannelHandlerContext,
                 _ work: @escaping @Sendable () async -> @Sendable (IMAPSessionHandler, ChannelHandlerContext) -> Void) {
        busy = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        Task {
            let apply = await work()
            bound.eventLoop.execute {
                let (handler, context) = bound.value
                handler.busy = false
                if case .logout = handler.state { return }
                apply(handler, context)
                if case .logout = handler.state { return }
                handler.drain(context)
            }
        }
    }

    // MARK: output

    func send(_ context: ChannelHandlerContext, _ responses: IMAPResponse...) { send(context, responses) }

    func send(_ context: ChannelHandlerContext, _ responses: [IMAPResponse]) {
        guard !responses.isEmpty, context.channel.isActive else { return }
        var buffer = context.channel.allocator.buffer(capacity: 128)
        for response in responses { encoder.encode(response, into: &buffer) }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func ok(_ tag: String, _ text: String, code: IMAPResponseCode? = nil, _ context: ChannelHandlerContext) {
        send(context, .status(tag: tag, .ok, code: code, text: text))
    }

    func no(_ tag: String, _ text: String, code: IMAPResponseCode? = nil, _ context: ChannelHandlerContext) {
        send(context, .status(tag: tag, .no, code: code, text: text))
    }

    func bad(_ tag: String, _ text: String, code: IMAPResponseCode? = nil, _ context: ChannelHandlerContext) {
        send(context, .status(tag: tag, .bad, code: code, text: text))
    }
}
