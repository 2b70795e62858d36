import Foundation
import Logging
import MailStore
import NIOCore
import SASL
import SMTPProtocol
import ServerRuntime

/// One SMTP session: owns the frame decoder, the session state and the transaction; runs one
/// command at a time (pipelined commands wait in the input buffer, RFC 2920 §3).
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
    var logger: Logger
    var inbound: SessionInput
    var decoder: SMTPFrameDecoder
    var busy = false
    var closed = false
    var shutdownRequested = false

    // Session state (RFC 5321 §4.1.4): reset by EHLO/HELO, RSET and STARTTLS as each says.
    var helo: String?
    var esmtp = false
    var tlsActive: Bool
    var account: Account?
    var transaction: Transaction?
    var auth: SASLLogin?
    var errors = 0
    /// A refused BDAT whose octets are being discarded; its reply waits for the chunk's end.
    var pendingChunkError: SMTPError?
    /// The inactivity timer (SMTPSessionHandler+Timeouts.swift).
    var timer: Scheduled<Void>?
    var timing = SMTPSessionTiming()

    init(server: SMTPServer, connection: ConnectionContext) {
        self.server = server
        self.connection = connection
        self.tlsActive = connection.implicitTLS
        self.decoder = SMTPFrameDecoder(limits: server.configuration.limits)
        self.inbound = SessionInput(budget: server.configuration.maxSessionInput)
        var logger = server.logger
        logger[metadataKey: "remote"] = "\(connection.remoteIP)"
        logger[metadataKey: "listener"] = "\(connection.listener)"
        self.logger = logger
    }

    var configuration: SMTPConfiguration { server.configuration }
    var secure: Bool { tlsActive || (connection.isLoopback && configuration.loopbackIsSecure) }

    // MARK: channel events

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { greetThroughPipeline(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        greetThroughPipeline(context)
        context.fireChannelActive()
    }

    func greet(_ context: ChannelHandlerContext) {
        reply(.greeting(domain: configuration.hostname), context)
        timing.restart(now: context.eventLoop.now)
        armTimer(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed else { return }  // after the last reply: dropped (see `close(with:)`)
        var bytes = unwrapInboundIn(data)
        inbound.append(&bytes)
        drain(context)
    }

    /// No more input while a command runs or the session holds its budget's worth.
    var readingPaused: Bool { busy || inbound.isFull(assembled: transaction?.message.readableBytes ?? 0) }

    func read(context: ChannelHandlerContext) {
        inbound.read(context, paused: readingPaused)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        timer?.cancel()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerShutdownEvent {
            shutdownRequested = true
            if !busy { close(with: .shuttingDown(domain: configuration.hostname), context) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.info("connection error", metadata: ["error": "\(error)"])
        closed = true
        context.close(promise: nil)
    }

    // MARK: the loop

    func drain(_ context: ChannelHandlerContext) {
        while !busy && !closed, let frame = decoder.decode(buffer: &inbound.buffer) {
            handle(frame, context)
        }
        if shutdownRequested && !busy && !closed { close(with: .shuttingDown(domain: configuration.hostname), context) }
        // Reclaim consumed input so a long session does not grow the buffer.
        inbound.reclaim()
        if !closed { inbound.resume(context, paused: readingPaused) }
        armTimer(context)
    }

    func handle(_ frame: SMTPFrame, _ context: ChannelHandlerContext) {
        timing.saw(frame)
        switch frame {
        case .line(let line):
            if auth != nil { return authResponse(String(buffer: line), context) }
            do {
                // AUTH is parsed even where it is not offered, so the client hears why it may not
                // use it (538 encryption required) rather than "not implemented".
                let extensions = esmtp ? SMTPExtensions(capabilities).union(.auth) : []
                let parser = SMTPCommandParser(extensions: extensions, limits: configuration.limits)
                let command = try parser.parse(line, smtpUTF8Transaction: transaction?.reception.parameters.smtpUTF8 ?? false)
                if command.keyword != "AUTH" { logger.debug("command", metadata: ["command": "\(command.keyword)"]) }
                execute(command, context)
            } catch {
                if decoder.mode == .held { decoder.continueCommands() }
                fail(error, context)
            }
        case .lineTooLong:
            if auth != nil {
                auth = nil
                return fail(.authLineTooLong, context)
            }
            fail(.lineTooLong, context)
        case .bareLineFeed:
            fail(.bareLineFeed, context)
        case .content(var piece):
            appendToMessage(&piece)
        case .contentEnd(let end):
            endOfData(end, context)
        case .chunk(var piece):
            appendToMessage(&piece)
        case .chunkEnd(let last):
            endOfChunk(last: last, context)
        }
    }

    // MARK: replies

    func reply(_ reply: SMTPReply, _ context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 128)
        reply.encode(into: &buffer, enhancedStatusCodes: true)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// A refused command. Syntax and sequence errors count towards `maxErrors` (RFC 5321 §4.3.2
    /// lets a server close after too many); the 421 that ends the session is sent instead.
    /// Refusals of the mail itself (`refuse`) do not count.
    func fail(_ error: SMTPError, countsAsError: Bool = true, _ context: ChannelHandlerContext) {
        if let cause = error.cause { logger.info("refused", metadata: ["reply": "\(error.code)", "cause": "\(LogSafe.escaped(cause))"]) }
        if countsAsError && error.code / 100 == 5 { errors += 1 }
        if errors >= configuration.limits.maxErrors {
            logger.notice("too many errors, closing")
            return close(with: SMTPError.tooManyErrors.reply, context)
        }
        if error.closesConnection { return close(with: error.reply, context) }
        reply(error.reply, context)
    }

    func close(with last: SMTPReply, _ context: ChannelHandlerContext) {
        guard !closed else { return }
        closed = true
        var buffer = context.channel.allocator.buffer(capacity: 128)
        last.encode(into: &buffer, enhancedStatusCodes: true)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.channel.closeAfterLastReply()
    }
}

/// Store, DNS and password work runs as steps (`SteppingSession.perform`); later commands wait.
extension SMTPSessionHandler: SteppingSession {
    var acceptsStepResults: Bool { !closed }
    func didApplyStep(_ context: ChannelHandlerContext) { drain(context) }
}
