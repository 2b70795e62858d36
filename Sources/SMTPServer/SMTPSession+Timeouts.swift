import NIOCore
import SMTPProtocol

/// Timeouts (RFC 5321 §4.5.3.2) that bytes alone cannot extend, so neither a silent nor a
/// slowloris client (one byte now and then) holds a connection slot:
/// - a whole command line must arrive within `commandTimeout` of the previous command
///   (§4.5.3.2.7, at least 5 minutes while "awaiting the next command");
/// - during DATA or BDAT content the client may be silent for at most `dataTimeout` (the data
///   block timer of §4.5.3.2.5 seen from the server's side), and the whole phase, from the
///   first content byte to the end of the last chunk, must end within `dataPhaseTimeout` plus
///   one second per `minDataRate` bytes received.
/// A client that misses one hears 421 4.4.2 and is disconnected.
extension SMTPSession {
    var waitingForContent: Bool {
        switch decoder.mode {
        case .data, .chunk: true
        case .commands, .held: false
        }
    }

    /// The timer for what the session waits for now; the last action of every `receive` and of
    /// the greeting. Only a completed frame moves a deadline.
    mutating func timer() -> SMTPAction {
        guard !isClosed else { return .cancelTimer }
        timing.update(content: waitingForContent, busy: stepRunning, now: settings.now())
        return .armTimer(timing.deadline(settings.limits, waitingForContent: waitingForContent))
    }

    /// The deadline passed: 421 4.4.2 and close, unless a step is running (a command still
    /// running against the store is ours to finish, not the client's delay).
    mutating func timeout() -> [SMTPAction] {
        guard !isClosed else { return [] }
        if stepRunning {
            timing.restart(now: settings.now())
            return [timer()]
        }
        let content = timing.inContentPhase
        logger.info("closing slow or idle session", metadata: ["waiting_for": content ? "message content" : "command"])
        return close(content ? .dataTimeout : .commandTimeout)
    }
}

/// What the SMTP deadlines are counted from. The session notes every frame it handles
/// (`saw(_:)`); `SMTPSession.timer()` turns that into the next deadline.
struct SMTPSessionTiming {
    /// In DATA content, or anywhere from the first BDAT chunk to the end of the LAST one.
    private(set) var inContentPhase = false
    private var bdatOpen = false
    private var phaseStart = NIODeadline.now()
    private var lastProgress = NIODeadline.now()
    private var contentBytes = 0
    /// Frames completed so far, and how many there were when the command deadline last started.
    private var frames = 0
    private var framesAtStart = 0
    /// A command was running against the store at the last update: the deadline counts from its
    /// reply, not from the line that started it.
    private var wasBusy = false

    mutating func saw(_ frame: SMTPFrame) {
        frames += 1
        switch frame {
        case .line(let line):
            // Anything but the next BDAT ends a BDAT phase (RSET, a new MAIL after an error).
            if bdatOpen && !line.readableBytesView.starts(with: Array("BDAT".utf8), by: { $0 & 0xDF == $1 }) { bdatOpen = false }
        case .content(let piece), .chunk(let piece):
            contentBytes += piece.readableBytes
        case .chunkEnd(let last):
            bdatOpen = !last
        case .contentEnd, .lineTooLong, .bareLineFeed:
            break
        }
    }

    mutating func update(content waitingForContent: Bool, busy: Bool, now: NIODeadline) {
        let content = waitingForContent || bdatOpen
        if content != inContentPhase {
            inContentPhase = content
            phaseStart = now
            contentBytes = 0
        }
        if frames != framesAtStart || busy || wasBusy {
            framesAtStart = frames
            lastProgress = now
        }
        wasBusy = busy
    }

    /// After a wait that was the server's (a command running against the store).
    mutating func restart(now: NIODeadline) {
        phaseStart = now
        lastProgress = now
        contentBytes = 0
    }

    func deadline(_ limits: SMTPLimits, waitingForContent: Bool) -> NIODeadline {
        guard inContentPhase else { return lastProgress + TimeAmount(limits.commandTimeout) }
        // Between BDAT chunks the next BDAT command line is awaited.
        let silence = waitingForContent ? limits.dataTimeout : limits.commandTimeout
        let allowance = Int64(contentBytes / max(limits.minDataRate, 1)) * 1_000_000_000
        let phaseEnd = phaseStart + TimeAmount(limits.dataPhaseTimeout) + .nanoseconds(allowance)
        return min(lastProgress + TimeAmount(silence), phaseEnd)
    }
}
