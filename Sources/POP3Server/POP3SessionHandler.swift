import Foundation
import Logging
import MailCore
import MailStore
import NIOCore
import POP3Protocol
import SASL
import ServerRuntime

/// One POP3 session: reads lines, runs one command at a time (pipelined commands wait their
/// turn, RFC 2449 §6.6), and owns the session state.
final class POP3SessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State {
        case authorization(user: String?)
        case transaction(Maildrop)
        case closed
    }

    let server: POP3Server
    let connection: ConnectionContext
    var state: State = .authorization(user: nil)
    var tlsActive: Bool
    var inbound = ByteBuffer()
    var decoder: POP3LineDecoder
    var busy = false
    var shutdownRequested = false
    /// An AUTH exchange waiting for the client's next response line.
    var authExchange: SASLLogin?
    var logger: Logger
    /// POP3SessionHandler+Timeouts.swift.
    var commandTimer: Scheduled<Void>?
    var loginTimer: Scheduled<Void>?

    init(server: POP3Server, connection: ConnectionContext) {
        self.server = server
        self.connection = connection
        self.tlsActive = connection.implicitTLS
        self.decoder = POP3LineDecoder(maxLineLength: server.configuration.maxLineLength)
        var logger = server.logger
        logger[metadataKey: "remote"] = "\(connection.remoteIP)"
        logger[metadataKey: "listener"] = "\(connection.listener)"
        self.logger = logger
    }

    /// USER/PASS and plaintext SASL are allowed over TLS, or from loopback (RFC 2595 §2.2).
    var plaintextAllowed: Bool { server.configuration.sasl.allowsPlaintextLogin(tlsActive: tlsActive, loopback: connection.isLoopback) }

    // MARK: channel events

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { greet(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        greet(context)
        context.fireChannelActive()
    }

    func greet(_ context: ChannelHandlerContext) {
        send(context) { POP3Response.ok("Hato POP3 server ready", into: &$0) }
        armCommandTimer(context)
        armLoginDeadline(context, in: server.configuration.loginTimeout)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .closed = state { return }  // after the last reply: dropped (see `closeAfterLastReply`)
        var bytes = unwrapInboundIn(data)
        inbound.writeBuffer(&bytes)
        drain(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A dropped connection deletes nothing (RFC 1939 §6: UPDATE only after QUIT).
        releaseLock()
        state = .closed
        cancelTimers()
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
        send(context) { POP3Response.error("server shutting down, nothing was deleted", code: .sysTemp, into: &$0) }
        releaseLock()
        state = .closed
        context.channel.closeAfterLastReply()
    }

    // MARK: command loop

    func drain(_ context: ChannelHandlerContext) {
        while !busy, case .authorization = state { if !step(context) { return } }
        while !busy, case .transaction = state { if !step(context) { return } }
        if shutdownRequested && !busy { closeForShutdown(context) }
    }

    /// Handles one line if one is complete; false when more input is needed.
    func step(_ context: ChannelHandlerContext) -> Bool {
        let line: POP3LineDecoder.POP3Line?
        do { line = try decoder.nextLine(&inbound) } catch { return false }
        guard let line else { return false }
        armCommandTimer(context)
        switch line {
        case .tooLong:
            send(context) { POP3Response.error("line too long", into: &$0) }
        case .line(let text):
            if authExchange != nil { authResponse(text, context); return true }
            do {
                handle(try POP3Parser.parse(text), context)
            } catch {
                send(context) { POP3Response.error(error.description, into: &$0) }
            }
        }
        return true
    }

    func send(_ context: ChannelHandlerContext, _ build: (inout ByteBuffer) -> Void) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        build(&buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// Gives the maildrop lock back, once: the session is closed from here on, so a second call
    /// (a close racing QUIT's UPDATE) cannot release a lock another session took meanwhile.
    func releaseLock() {
        if case .transaction(let maildrop) = state { server.locks.release(maildrop.account.id) }
        state = .closed
    }
}

/// Store and password work runs as steps (`SteppingSession.perform`); commands stay in order.
extension POP3SessionHandler: SteppingSession {
    /// Always: a result that arrives after the client left still runs, so a maildrop lock taken
    /// meanwhile is given back (`openMaildrop`).
    var acceptsStepResults: Bool { true }
    /// The autologout timer counts from this reply (RFC 1939 §3).
    func willApplyStep(_ context: ChannelHandlerContext) { armCommandTimer(context) }
    func didApplyStep(_ context: ChannelHandlerContext) {
        if busy { return }
        if case .closed = state { return }
        drain(context)
    }
}
