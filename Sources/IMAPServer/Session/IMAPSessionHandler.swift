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
///
/// Backpressure: while a command runs or the channel is not writable (the client is not reading
/// what we send), the handler holds back `read()`, so the kernel's socket buffer and TCP flow
/// control stop the client instead of our memory; pipelined commands wait unexecuted, and FETCH
/// sends its next messages only when the output has drained (`whenWritable`).
final class IMAPSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let server: IMAPServer
    let connection: ConnectionContext
    var state: IMAPSessionState = .notAuthenticated
    var enabled = EnabledExtensions()
    var tlsActive: Bool
    /// Input not yet decoded; its budget is the command size limit (`limits.max_session_input`).
    var inbound: SessionInput
    var decoder: IMAPCommandDecoder
    var encoder = IMAPResponseEncoder()
    /// A command's store work is in flight; input waits.
    var busy = false
    /// IDLE is running for this tag (RFC 2177): updates go out as they arrive.
    var idleTag: String?
    /// An AUTHENTICATE exchange waiting for the client's next response line, with its tag.
    var authExchange: (tag: String, login: SASLLogin)?
    var shutdownRequested = false
    /// The session said goodbye; input that still arrives is dropped (see `close`).
    var ended = false
    /// Bumped at every SELECT/EXAMINE/CLOSE so feed events of an earlier selection are dropped.
    var selectionGeneration = 0
    var timeout: Scheduled<Void>?
    /// `limits.imap_login_timeout` from the greeting on; bytes do not move it.
    var loginDeadline: Scheduled<Void>?
    /// Started with the first octet of a command; see `checkCommandPace`.
    var commandTimer: Scheduled<Void>?
    var commandStarted: NIODeadline?
    var commandBytes = 0
    /// A command (or the continuation of one) is running on the event loop right now. A write
    /// may fire `channelWritabilityChanged` re-entrantly; it must not start the next command
    /// in the middle of this one's responses.
    var dispatching = false
    /// Work waiting for the channel to become writable again; the session is busy meanwhile.
    var writableWaiter: ((IMAPSessionHandler, ChannelHandlerContext) -> Void)?
    var logger: Logger

    /// Changes of the selected mailbox waiting for a client that does not read them (a silent
    /// session, or IDLE with its output backed up); past this the session ends with BYE.
    static let maxPendingUpdates = 20_000

    init(server: IMAPServer, connection: ConnectionContext) {
        self.server = server
        self.connection = connection
        self.tlsActive = connection.implicitTLS
        self.decoder = IMAPCommandDecoder(limits: server.configuration.limits, literalDecisions: .manual)
        self.inbound = SessionInput(budget: server.configuration.limits.maxCommandSize)
        // Before login a command is small (a LOGIN, an ID): nothing large is buffered for a
        // peer that has not authenticated.
        decoder.setMaxCommandSize(server.configuration.limits.maxUnauthenticatedCommandSize)
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
        startLoginDeadline(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !ended else { return }
        var bytes = unwrapInboundIn(data)
        if commandStarted == nil { startCommandTimer(context) }
        commandBytes += bytes.readableBytes
        inbound.append(&bytes)
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
            // A session waiting for its client to read is not finishing anything soon.
            if !busy || writableWaiter != nil { closeForShutdown(context) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.info("connection error", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
        context.close(promise: nil)
    }

    func closeForShutdown(_ context: ChannelHandlerContext) {
        send(context, .status(tag: nil, .bye, code: .unavailable, text: "server shutting down"))
        close(context)
    }

    /// Ends the session after the BYE (or LOGOUT's OK) already written: see `closeAfterLastReply`.
    func close(_ context: ChannelHandlerContext) {
        ended = true
        endSession()
        context.channel.closeAfterLastReply()
    }

    /// Releases the per-user session slot and stops listening to the change feed.
    func endSession() {
        timeout?.cancel()
        loginDeadline?.cancel()
        commandTimer?.cancel()
        writableWaiter = nil
        if let user = state.user { server.sessions.release(user.accountID) }
        state.selected?.feedTask?.cancel()
        state = .logout
    }

    // MARK: command loop

    /// Executes the commands received, one at a time; stops while a command runs or while the
    /// client is not reading our output (pipelined commands then wait in `inbound`, whose
    /// growth is stopped by holding back `read()`).
    func drain(_ context: ChannelHandlerContext) {
        while !busy && context.channel.isWritable {
            if case .logout = state { return }
            guard let event = decoder.next(&inbound.buffer) else { break }
            dispatching = true
            handle(event, context)
            dispatching = false
        }
        if case .logout = state { return }
        if !busy && inbound.buffer.readableBytes == 0 && !decoder.isInsideCommand { commandEnded() }
        inbound.reclaim()
        if shutdownRequested && !busy { return closeForShutdown(context) }
        resumeInput(context)
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
        var text = error.kind == .unknownCommand ? "unknown command" : error.message
        if error.kind == .limitExceeded && state.user == nil && error.message == "command too large" {
            text = "command larger than \(server.configuration.limits.maxUnauthenticatedCommandSize) octets before login"
        }
        // RFC 7888 §5: a refused non-synchronizing literal gets BAD [TOOBIG] (its octets are
        // skipped); a synchronizing one was never sent, and NO [TOOBIG] says so (RFC 4469).
        let status: IMAPStatus = error.kind == .literalTooLarge && error.synchronizing ? .no : .bad
        send(context, .status(tag: error.tag, status, code: code, text: text))
        if error.closesConnection {
            // RFC 7888 §4: rather than read octets that may never end, say why and close.
            logger.info("closing: non-synchronizing literal larger than any command")
            send(context, .status(tag: nil, .bye, code: .tooBig, text: "literal too large to skip; closing"))
            close(context)
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

    /// Octets already encoded (a streamed FETCH literal and the text around it).
    func sendRaw(_ context: ChannelHandlerContext, _ buffer: ByteBuffer) {
        guard context.channel.isActive else { return }
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

/// Store work runs as steps (`SteppingSession.perform`); commands stay in order.
extension IMAPSessionHandler: SteppingSession {
    var acceptsStepResults: Bool {
        if case .logout = state { false } else { true }
    }
    func willApplyStep(_ context: ChannelHandlerContext) { dispatching = true }
    func didApplyStep(_ context: ChannelHandlerContext) {
        dispatching = false
        if case .logout = state { return }
        drain(context)
    }
}
