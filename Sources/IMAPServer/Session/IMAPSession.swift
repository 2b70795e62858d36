import IMAPProtocol
import Logging
import MailMessage
import MailStore
import NIOCore
import SASL
import ServerRuntime

/// One IMAP session as a state machine without a socket: it takes events (the greeting, a
/// decoded command or literal decision, a step's result, a change of the selected mailbox,
/// timers, shutdown, the client leaving) and returns the actions its driver carries out
/// (`IMAPAction`). It owns the command decoder (its modes, literal decisions and limits are
/// protocol decisions); the driver only hands it the bytes received. Failures become replies only
/// through `IMAPFailure.response`. `SessionDriver` (with
/// `IMAPSessionAdapter`) drives it on a channel; tests feed it
/// directly.
struct IMAPSession {
    /// What the session needs to know about its listener and connection.
    struct Settings {
        var hostname: String
        var limits: IMAPLimits
        var maxOtherLiteralSize: Int
        var sasl: SASLPolicy
        var loopback: Bool
        /// The listener can do STARTTLS (it has TLS configured).
        var tlsAvailable: Bool
        /// The RFC 9266 channel binding is known (filled in by the TLS layer after a handshake).
        var channelBindingAvailable: () -> Bool = { false }
        var idleTimeout: Duration
        var loginTimeout: Duration
        var commandTimeout: Duration
        var minimumLiteralRate: Int
        var messageLimits: MessageLimits = .default
        /// RFC 4469 CATENATE: URL parts per message (`limits.imap_catenate_max_urls`).
        var maxCatenateURLs = 100
        /// RFC 5464 §4.3: largest metadata value (`limits.imap_metadata_max_size`).
        var metadataMaxSize = 16 * 1024
        /// RFC 5267 §4.3.1: searches kept live with UPDATE at once (`limits.imap_context_updates`).
        var maxUpdateContexts = 10
        /// RFC 5465: `limits.imap_notify_mailboxes`, `limits.imap_notify_queue`.
        var notifyMaxMailboxes = 200
        var notifyMaxQueued = 1_000
        /// RFC 4467: URLs per GENURLAUTH/URLFETCH and octets per URL (`limits.imap_urlauth_*`).
        var urlAuthMaxURLs = 100
        var urlAuthMaxURLLength = 4096
    }

    enum Event {
        case greeting
        /// Octets arrived (before they are decoded), at the event loop's `now`.
        case received(octets: Int, at: NIODeadline)
        /// What the decoder made of them (`nextInput`).
        case input(IMAPCommandEvent)
        /// No further input is decoded for now; `bufferEmpty`: nothing undecoded is left.
        case inputDrained(bufferEmpty: Bool)
        case stepFinished(IMAPStepResult)
        /// The client has read what was sent (after `.continueWhenWritable`, or the channel
        /// became writable again).
        case outputWritable
        /// The store's change feed, for the selection `generation`; `recent`: UIDs whose \Recent
        /// the listener claimed for this session with it (RFC 3501 §2.3.2).
        case mailboxChanged(MailboxChange, generation: Int, outputWritable: Bool, recent: [UInt32] = [])
        /// RFC 5465 NOTIFY: a watcher's report (`NotifyWatch`).
        case notified(NotifyEvent, outputWritable: Bool)
        /// The autologout timer fired (`now`: the event loop's clock then; nil: end at once).
        case idleTimeout(now: NIODeadline? = nil)
        case loginTimeout
        case commandTimer(now: NIODeadline, outputWritable: Bool)
        case shutdown
        case connectionClosed
    }

    /// Changes of the selected mailbox waiting for a client that does not read them (a silent
    /// session, or IDLE with its output backed up); past this the session ends with BYE.
    static let maxPendingUpdates = 20_000

    let settings: Settings
    let logger: Logger
    var state: IMAPSessionState = .notAuthenticated
    var enabled = EnabledExtensions()
    var tlsActive: Bool
    /// RFC 4978: COMPRESS=DEFLATE is on (a second COMPRESS gets BAD [COMPRESSIONACTIVE]).
    var compressing = false
    var decoder: IMAPCommandDecoder
    /// Encodes the responses (its text encoding follows ENABLE).
    var encoder = IMAPResponseEncoder()
    /// A step is running: no command is read until its result is in.
    private(set) var stepRunning = false
    /// A FETCH waits for the client to read what was sent (`.continueWhenWritable`).
    var awaitingWritable = false
    /// IDLE is running for this tag (RFC 2177): updates go out as they arrive.
    var idleTag: String?
    /// An AUTHENTICATE exchange waiting for the client's next response line, with its tag.
    var authExchange: (tag: String, login: SASLLogin)?
    /// The FETCH being answered.
    var fetch: FetchProgress?
    /// RFC 5465 NOTIFY (Commands/Notify.swift).
    var notify = NotifyState()
    private var shutdownRequested = false
    /// Bumped at every SELECT/EXAMINE/CLOSE so feed events of an earlier selection are dropped.
    var selectionGeneration = 0
    /// Mailboxes this session opened, by name (at most `knownMailboxLimit`): a SELECT of one of
    /// them tries its ID first, sparing the store trip that looks the name up.
    var knownMailboxIDs: [String: MailboxID] = [:]
    static let knownMailboxLimit = 16
    /// A SELECT or EXAMINE left the selected mailbox; its `[CLOSED]` goes out with the step's result.
    var closedPending = false
    /// The first octet of the command being received arrived then; see `commandTimerFired`.
    var commandStarted: NIODeadline?
    var commandBytes = 0
    /// The last octet from the client arrived then: the autologout counts from it (RFC 9051 §5.4).
    var lastInput: NIODeadline?
    /// Armed once, armed again for what is left when they fire early (`IMAPSession+Timers.swift`).
    var idleTimerArmed = false
    var commandTimerArmed = false

    init(settings: Settings, tlsActive: Bool, logger: Logger = Logger(label: "hato.imap")) {
        self.settings = settings
        self.tlsActive = tlsActive
        self.logger = logger
        decoder = IMAPCommandDecoder(limits: settings.limits, literalDecisions: .manual)
        // Before login a command is small (a LOGIN, an ID): nothing large is buffered for a
        // peer that has not authenticated.
        decoder.setMaxCommandSize(settings.limits.maxUnauthenticatedCommandSize)
    }

    var isClosed: Bool { if case .logout = state { true } else { false } }
    /// A command (or a FETCH's wait for the client) is in progress.
    var busy: Bool { stepRunning || awaitingWritable }
    /// Whether the driver should decode and hand over the next input.
    var readsCommands: Bool { !busy && !isClosed }

    /// The next decoded input from what the driver received.
    mutating func nextInput(from buffer: inout ByteBuffer) -> IMAPCommandEvent? {
        decoder.next(&buffer)
    }

    mutating func handle(_ event: Event) -> [IMAPAction] {
        switch event {
        case .greeting:
            // RFC 9051 §7.1.1: the greeting may carry the capabilities, sparing a round trip.
            return [.send([.status(tag: nil, .ok, code: .capability(capabilities), text: "Hato IMAP server ready")]),
                    .armTimer(.login, settings.loginTimeout)]
        case .received(let octets, let now):
            guard !isClosed else { return [] }
            var actions: [IMAPAction] = []
            if commandStarted == nil {
                // A command's first octet: it has `commandTimeout` to be complete.
                commandStarted = now
                commandBytes = 0
                if !commandTimerArmed {
                    commandTimerArmed = true
                    actions.append(.armTimer(.command, settings.commandTimeout))
                }
            }
            commandBytes += octets
            // RFC 9051 §5.4: autologout counts from the client's last input once logged in;
            // before login the login deadline applies, which no activity extends.
            lastInput = now
            if state.user != nil {
                if !idleTimerArmed {
                    idleTimerArmed = true
                    actions.append(.armTimer(.idle, settings.idleTimeout))
                }
            } else if idleTimerArmed {
                idleTimerArmed = false
                actions.append(.cancelTimer(.idle))
            }
            return actions
        case .input(let input):
            guard !isClosed else { return [] }
            return receive(input)
        case .inputDrained(let bufferEmpty):
            guard !isClosed else { return [] }
            var actions: [IMAPAction] = []
            if !busy && bufferEmpty && !decoder.isInsideCommand && commandStarted != nil {
                // The command (lines and literals) has been read whole: its deadline is gone
                // (the timer, left armed, finds no command when it fires).
                commandStarted = nil
            }
            if shutdownRequested && !busy { actions += closeForShutdown() }
            return actions
        case .stepFinished(let result):
            stepRunning = false
            guard !isClosed else {
                // A login that completed after the client left gives its session slot back.
                if case .session(_, .success(let user)) = result { return [.releaseSessionSlot(user.accountID)] }
                return []
            }
            return apply(result)
        case .outputWritable:
            guard !isClosed else { return [] }
            var actions: [IMAPAction] = []
            if awaitingWritable {
                awaitingWritable = false
                actions += continueFetch()
                if isClosed { return actions }
            }
            if (idleTag != nil || notifyPushesSelected) && !busy && pushesNow { actions += pushSelected() }
            return actions + pushNotifications(outputWritable: true)
        case .mailboxChanged(let change, let generation, let writable, let recent):
            return heard(change, generation: generation, outputWritable: writable, recent: recent)
        case .notified(let event, let writable):
            return notified(event, outputWritable: writable)
        case .idleTimeout(let now):
            return idleTimerFired(now: now)
        case .loginTimeout:
            guard !isClosed, state.user == nil else { return [] }
            return end(.noLogin(seconds: settings.loginTimeout.components.seconds))
        case .commandTimer(let now, let writable):
            return commandTimerFired(now: now, outputWritable: writable)
        case .shutdown:
            guard !isClosed else { return [] }
            shutdownRequested = true
            // A running step finishes first (`.inputDrained` says goodbye after it); a session
            // waiting for its client to read is not finishing anything soon.
            return stepRunning ? [] : closeForShutdown()
        case .connectionClosed:
            return endSession()
        }
    }

    private mutating func receive(_ input: IMAPCommandEvent) -> [IMAPAction] {
        switch input {
        case .command(let command): dispatch(command)
        case .continuationRequest: askForLiteral()
        case .literalDecisionRequired(let literal): decideLiteral(literal)
        case .error(let error): commandError(error)
        case .authenticationResponse(let response): authenticationResponse(response)
        case .idleEnded(let done): endIdle(done: done)
        }
    }

    /// RFC 9051 §7.1.3: bad syntax is answered with BAD and a reason; the session goes on.
    private mutating func commandError(_ error: IMAPCommandError) -> [IMAPAction] {
        let preLoginLimit = state.user == nil ? settings.limits.maxUnauthenticatedCommandSize : nil
        let actions = fail(error.tag, .command(error, preLoginLimit: preLoginLimit))
        guard error.closesConnection else { return actions }
        // RFC 7888 §4: rather than read octets that may never end, say why and close.
        guard error.kind == .literalTooLarge else {
            logger.info("closing: too much refused input to skip under COMPRESS")
            return actions + [.send([IMAPSessionEnd.refusedInputTooLargeToSkip.response])] + closeSession()
        }
        logger.info("closing: non-synchronizing literal larger than any command")
        return actions + [.send([IMAPSessionEnd.literalTooLargeToSkip.response])] + closeSession()
    }

    // MARK: replies

    func send(_ responses: [IMAPResponse]) -> [IMAPAction] {
        responses.isEmpty ? [] : [.send(responses)]
    }

    /// `responses` sent ahead of `actions`, in the same write when `actions` starts with a send.
    static func joiningFirstSend(_ responses: [IMAPResponse], _ actions: [IMAPAction]) -> [IMAPAction] {
        guard case .send(let next)? = actions.first else { return (responses.isEmpty ? [] : [.send(responses)]) + actions }
        return [.send(responses + next)] + actions.dropFirst()
    }

    /// A failed command's tagged NO or BAD (`IMAPFailure.response`), after the updates it lets out.
    mutating func fail(_ tag: String?, _ failure: IMAPFailure) -> [IMAPAction] {
        let (status, code, text) = failure.response
        var responses: [IMAPResponse] = switch failure.updatesBeforeReply {
        case .none: []
        case .withExpunges: pendingUpdates(allowExpunge: true)
        case .withoutExpunges: pendingUpdates(allowExpunge: false)
        }
        if failure.updatesBeforeReply != .none { responses += takeNotifications() }
        responses.append(.status(tag: tag, status, code: code, text: text))
        var actions = send(responses)
        if failure.updatesBeforeReply != .none, state.selected?.removed == true { actions += mailboxGone() }
        return actions
    }

    /// Sends the updates the client may hear now, then the tagged OK. RFC 9051 §7.5.1: no
    /// EXPUNGE while answering FETCH, STORE or SEARCH (the UID forms are allowed, but the
    /// numbering stays simplest when all hold them).
    mutating func finish(_ tag: String, code: IMAPResponseCode? = nil, _ text: String, allowExpunge: Bool = true) -> [IMAPAction] {
        // RFC 5465 §3.1: notifications waiting go out with a command's completion too.
        let responses = updatesNotingNew(allowExpunge: allowExpunge) + takeNotifications()
        let tagged = IMAPResponse.status(tag: tag, .ok, code: code, text: text)
        if state.selected?.removed == true { return send(responses + [tagged]) + mailboxGone() }
        return reply(responses, then: tagged) + startNotifyFetch()
    }

    func pendingUpdates(allowExpunge: Bool) -> [IMAPResponse] {
        guard let selected = state.selected else { return [] }
        return selected.flush(allowExpunge: allowExpunge, qresync: enabled.qresync, modSeqs: enabled.modSeqs)
    }

    mutating func run(_ step: IMAPStep) -> [IMAPAction] {
        stepRunning = true
        return [.run(step)]
    }

    /// After ENABLE UTF8=ACCEPT / IMAP4rev2 (RFC 9755, RFC 9051 §5.1).
    mutating func applyEncoding() {
        decoder.setEncoding(enabled.encoding)
        encoder.encoding = enabled.encoding
    }
}
