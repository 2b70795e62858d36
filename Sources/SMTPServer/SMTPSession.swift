import Logging
import MailStore
import NIOCore
import Reception
import SASL
import SMTPProtocol
import ServerRuntime

/// One SMTP session as a state machine without a socket: it takes the client's bytes
/// (`receive(_:)`, decoded here by the `SMTPFrameDecoder` it owns) and events (the greeting, a
/// step's result, the timer, shutdown, the client leaving) and returns the actions its driver
/// carries out (`SMTPAction`). Failures become replies only through `SMTPFailure.error(host:)`.
/// `SessionDriver` (with `SMTPSessionAdapter`) drives it on a channel; `SMTPSessionTests` feed it
/// directly.
///
/// The decoder is the session's, not the driver's: whether the bytes after a line are a
/// command, DATA content or a BDAT chunk is decided by the command the session just answered
/// (RFC 3030 §2, RFC 3207 §4.2), so the one owner of the state also owns the framing.
struct SMTPSession {
    /// What the session needs to know about its listener and connection.
    struct Settings {
        var hostname: String
        var profile: SMTPProfile
        var limits: SMTPLimits
        var sasl: SASLPolicy
        var remoteIP: String
        var loopback: Bool
        /// The listener can do STARTTLS (it has TLS configured).
        var startTLSAvailable: Bool
        /// The reception phases some stage implements; the others are answered at once.
        var phases: ReceptionPhases
        /// The RFC 9266 channel binding is known (filled in by the TLS layer after a handshake).
        var channelBindingAvailable: () -> Bool = { false }
        /// "TLSv1.3 with cipher ..." once the handshake is done (the Received header's comment).
        var tlsDescription: () -> String? = { nil }
        /// The event loop's clock: a session driven on a test loop moves only when told.
        var now: () -> NIODeadline = { .now() }
        /// Where message content past the threshold goes; nil keeps every message in memory.
        var spool: MessageSpoolPolicy?
    }

    enum Event {
        /// The connection is up: run the connection stages, then greet.
        case greeting
        case stepFinished(SMTPStepResult)
        /// The deadline of the last `.armTimer` passed.
        case timeout
        case shutdown
        case connectionClosed
    }

    let settings: Settings
    let logger: Logger
    var decoder: SMTPFrameDecoder

    // Session state (RFC 5321 §4.1.4): reset by EHLO/HELO, RSET and STARTTLS as each says.
    var helo: String?
    var esmtp = false
    var tlsActive: Bool
    var account: Account?
    var transaction: Transaction?
    /// An AUTH exchange waiting for the client's next line.
    var authExchange: SASLLogin?
    var errors = 0
    /// A refused BDAT whose octets are being discarded; its reply waits for the chunk's end.
    var pendingChunkError: SMTPFailure?
    var timing = SMTPSessionTiming()
    /// STARTTLS was answered: the input behind it is dropped before anything else is decoded.
    var tlsStarting = false
    private(set) var isClosed = false
    /// A step is running: no input is decoded until its result is in.
    private(set) var stepRunning = false
    private var shutdownRequested = false

    init(settings: Settings, tlsActive: Bool, logger: Logger = Logger(label: "hato.smtp")) {
        self.settings = settings
        self.tlsActive = tlsActive
        self.logger = logger
        self.decoder = SMTPFrameDecoder(limits: settings.limits)
    }

    /// Whether the next frame may be decoded.
    var readsInput: Bool { !stepRunning && !isClosed }
    /// Octets of the message assembled so far, which count towards the session's input budget.
    var assembledOctets: Int { transaction?.message.memory.readableBytes ?? 0 }

    mutating func handle(_ event: Event) -> [SMTPAction] {
        switch event {
        case .greeting:
            guard settings.phases.contains(.connection) else { return greet() }
            return run(.connection(receptionClient))
        case .stepFinished(let result):
            stepRunning = false
            guard !isClosed else { return [] }  // the client left meanwhile: nothing to answer
            return apply(result)
        case .timeout:
            return timeout()
        case .shutdown:
            guard !isClosed else { return [] }
            shutdownRequested = true
            return stepRunning ? [] : close(.shuttingDown)
        case .connectionClosed:
            isClosed = true
            return [.cancelTimer]
        }
    }

    /// The client's bytes (or more room to decode them, after a step): decodes and handles
    /// frames from `input` while the session reads, one command at a time, so pipelined
    /// commands are answered in order (RFC 2920 §3). What stays in `input` waits for the
    /// step that is running. Ends with the timer for what the session waits for now.
    mutating func receive(_ input: inout ByteBuffer) -> [SMTPAction] {
        var actions: [SMTPAction] = []
        while readsInput, let frame = decoder.decode(buffer: &input) {
            actions += handle(frame)
            if tlsStarting { dropInputBeforeTLS(&input) }
        }
        // Shutdown waits for the command in progress, then says 421 (RFC 5321 §3.8).
        if shutdownRequested && readsInput { actions += close(.shuttingDown) }
        actions.append(timer())
        return actions
    }

    mutating func handle(_ frame: SMTPFrame) -> [SMTPAction] {
        timing.saw(frame)
        switch frame {
        case .line(let line):
            if let login = authExchange {
                authExchange = nil
                // A response that looks like DATA, BDAT or STARTTLS is still only a response.
                decoder.continueCommands()
                return run(.continueAuthentication(login, response: String(buffer: line)))
            }
            return command(line)
        case .lineTooLong:
            if authExchange != nil {
                authExchange = nil
                return fail(.authLineTooLong)
            }
            return fail(.lineTooLong)
        case .bareLineFeed:
            return fail(.bareLineFeed)
        case .content(var piece), .chunk(var piece):
            return append(&piece)
        case .contentEnd(let end):
            return endOfData(end)
        case .chunkEnd(let last):
            return endOfChunk(last: last)
        }
    }

    /// Parses one command line and executes it. AUTH is parsed even where it is not offered, so
    /// the client hears why it may not use it (538 encryption required), not "not implemented";
    /// so is MAIL's REQUIRETLS before TLS (530 5.7.10, RFC 8689 §2).
    private mutating func command(_ line: ByteBuffer) -> [SMTPAction] {
        let extensions = esmtp ? SMTPExtensions(capabilities).union([.auth, .requireTLS]) : []
        let parser = SMTPCommandParser(extensions: extensions, limits: settings.limits)
        do {
            let command = try parser.parse(line, smtpUTF8Transaction: transaction?.reception.parameters.smtpUTF8 ?? false)
            if command.keyword != "AUTH" { logger.debug("command", metadata: ["command": "\(command.keyword)"]) }
            return execute(command)
        } catch {
            // A refused DATA, BDAT or STARTTLS line: what follows it is read as commands.
            decoder.continueCommands()
            return fail(.syntax(error))
        }
    }

    private mutating func apply(_ result: SMTPStepResult) -> [SMTPAction] {
        switch result {
        case .connection(nil):
            return greet()
        case .connection(let refusal?):
            return close(.connectionRefused(refusal))
        case .helo(nil):
            return answerHELO()
        case .helo(let refusal?):
            helo = nil
            return fail(.refused(refusal))
        case .mailFrom(.success(let checked)):
            transaction = Transaction(checked)
            return [.send(.senderOK)]
        case .mailFrom(.failure(let refusal)), .recipient(.failure(let refusal), _), .delivered(.failure(let refusal), _, _):
            return fail(.refused(refusal))
        case .recipient(.success(let recipient), let dsn):
            return accept(recipient, dsn: dsn)
        case .login(let step):
            return login(step)
        case .account(let account, let identity):
            return authenticated(account, identity)
        case .delivered(.success(let outcomes), let reception, let size):
            return delivered(outcomes, reception, size: size)
        }
    }

    private mutating func greet() -> [SMTPAction] {
        timing.restart(now: settings.now())
        return [.send(.greeting(domain: settings.hostname)), timer()]
    }

    mutating func run(_ step: SMTPStep) -> [SMTPAction] {
        stepRunning = true
        return [.run(step)]
    }

    /// A refused command or message. Failures that count (`SMTPFailure.countsAsError`) add up
    /// to `maxErrors` (RFC 5321 §4.3.2 lets a server close after too many); the 421 that ends
    /// the session is then sent instead.
    mutating func fail(_ failure: SMTPFailure) -> [SMTPAction] {
        let error = failure.error(host: settings.hostname)
        if let cause = error.cause { logger.info("refused", metadata: ["reply": "\(error.code)", "cause": "\(LogSafe.escaped(cause))"]) }
        if failure.countsAsError { errors += 1 }
        if errors >= settings.limits.maxErrors {
            logger.notice("too many errors, closing")
            return close(.tooManyErrors)
        }
        if failure.closesConnection { return close(with: error.reply) }
        return [.send(error.reply)]
    }

    /// Ends the session with `failure`'s reply (a 421, or 554 for a refused connection).
    mutating func close(_ failure: SMTPFailure) -> [SMTPAction] {
        close(with: failure.error(host: settings.hostname).reply)
    }

    /// The last reply, then the connection closes after it (`closeAfterLastReply`).
    mutating func close(with last: SMTPReply) -> [SMTPAction] {
        guard !isClosed else { return [] }
        isClosed = true
        return [.send(last), .close]
    }

    /// RFC 3207 §4.2: every byte the client sent before the handshake is dropped
    /// (CVE-2011-0411 class); the decoder starts over in command mode.
    private mutating func dropInputBeforeTLS(_ input: inout ByteBuffer) {
        tlsStarting = false
        let dropped = decoder.discardBufferedInput(&input)
        if dropped > 0 { logger.notice("dropped input pipelined after STARTTLS", metadata: ["octets": "\(dropped)"]) }
    }
}
