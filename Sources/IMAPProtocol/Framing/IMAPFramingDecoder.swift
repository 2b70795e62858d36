import NIOCore

/// What the framing decoder expects next: command lines with literals, SASL responses during
/// AUTHENTICATE (RFC 9051 §6.2.2), or the `DONE` that ends IDLE (RFC 2177 §3).
public enum IMAPFramingMode: Sendable, Equatable {
    case command
    case authenticationResponse
    case idle
}

/// One unit of client input, before any grammar (RFC 9051 §2.2.1: a command is lines and
/// literals; the end of every line is checked for a literal header, RFC 7888 §3).
public enum IMAPFrame: Sendable, Equatable {
    /// Octets of a command line up to its CRLF (or bare LF) or up to the literal header ending
    /// it; the header itself is not included and is given in `literal`. After a part with a
    /// synchronizing literal, the next frame is `continuationRequest`,
    /// `literalDecisionRequired`, `literalTooLarge` or `commandTooLarge`.
    case linePart(ByteBuffer, literal: IMAPLiteralHeader?)
    /// The synchronizing literal is accepted: send a continuation request ("+ Ready ...").
    case continuationRequest
    /// Manual decisions: call `acceptLiteral()` (and, for a synchronizing literal, send "+ ...")
    /// or `rejectLiteral()` (and answer the command with a tagged NO or BAD). Until then
    /// `next(_:)` returns nil. Non-synchronizing literals (RFC 7888 LITERAL+) are decided too: the
    /// client sends them without waiting, so a rejected one's octets are read and skipped.
    case literalDecisionRequired(IMAPLiteralHeader)
    /// Some octets of the literal announced by the previous part (any number of chunks).
    case literalData(ByteBuffer)
    /// The literal is complete; the command continues with the next `linePart`.
    case literalEnd
    /// A line received in `authenticationResponse` mode (base64 or `*`), CRLF removed.
    case authenticationResponse(ByteBuffer)
    /// `DONE` received in `idle` mode; the decoder is back in `command` mode.
    case idleDone
    /// Another line received in `idle` mode; the decoder is back in `command` mode.
    case idleUnexpected(ByteBuffer)
    /// A line longer than the limit. `prefix` is its beginning (enough for the tag); the rest of
    /// the command is skipped without being buffered.
    case lineTooLong(prefix: ByteBuffer)
    /// The literal just announced is over `maxLiteralSize` (or over 4096 octets with LITERAL-).
    /// A synchronizing one ends the command (the client waits for our tagged answer); the octets
    /// of a non-synchronizing one and the rest of its command are skipped (RFC 7888 §4).
    case literalTooLarge(IMAPLiteralHeader)
    /// The command announced more literals than `maxLiteralsPerCommand`, or more octets than
    /// `maxCommandSize`; the rest of the command is skipped.
    case commandTooLarge
    /// More octets were skipped in this session (over-long lines, refused literals) than
    /// `maxDiscardedOctets` allows: the decoder reads nothing more and the server closes.
    case discardLimitExceeded
}

/// Splits the client byte stream into frames, bounded by `IMAPLimits`.
///
/// Contract: `next(_:)` consumes octets from the front of `buffer` and returns at most one frame
/// per call, or `nil` when it needs more input (or a literal decision). Feeding the same octets in
/// any split gives the same frames, except that literal data may arrive in different chunks. No
/// line is buffered beyond `maxLineLength`; literal octets are passed on as they arrive.
public struct IMAPFramingDecoder: Sendable {
    /// Whether synchronizing literals within the limits are accepted by the decoder itself
    /// (`automatic`) or wait for `acceptLiteral()` / `rejectLiteral()` (`manual`, so that the
    /// server can check a quota before the client sends the octets).
    public enum LiteralDecisions: Sendable, Equatable { case automatic, manual }

    public let limits: IMAPLimits
    public let literalDecisions: LiteralDecisions
    public private(set) var mode: IMAPFramingMode = .command
    /// Octets one command may hold, literals included: `limits.maxCommandSize`, or
    /// `limits.maxUnauthenticatedCommandSize` while the session has not logged in (the server
    /// switches it with `setMaxCommandSize(_:)`).
    public private(set) var maxCommandSize: Int
    /// Octets the decoder may skip over the whole session (the rest of over-long lines, the
    /// octets of refused non-synchronizing literals); nil: no bound. Skipping costs the client
    /// as much as the server until the stream is compressed (RFC 4978): then a few KB of
    /// DEFLATE skip megabytes, so the server bounds it (`setMaxDiscardedOctets(_:)`).
    public private(set) var maxDiscardedOctets: Int?
    private var discardedOctets = 0

    private enum State: Sendable, Equatable {
        /// Reading a line part; `scanned` octets are known to contain no LF.
        case line(scanned: Int)
        /// A synchronizing literal waits for the caller's decision.
        case awaitingDecision(IMAPLiteralHeader)
        case literal(remaining: Int)
        case literalEnded
        /// Discarding a too-long line; `tail` keeps its last octets to find a literal header.
        case discardingLine(tail: [UInt8])
        /// Discarding the octets of a literal of a command already refused.
        case discardingLiteral(remaining: Int)
        /// `maxDiscardedOctets` was passed: nothing more is read.
        case exhausted
        /// A frame follows the line part just returned; then the decoder goes on as `then` says.
        case pending(IMAPFrame, then: After)
    }

    private enum After: Sendable, Equatable {
        case newCommand
        case readLiteral(Int)
        case awaitDecision(IMAPLiteralHeader)
        case skipLiteral(Int)
        /// `maxDiscardedOctets` was passed.
        case stop
    }

    private var state: State = .line(scanned: 0)
    /// True while the remaining line parts of a refused command are being skipped.
    private var skippingCommand = false
    private var literalsInCommand = 0
    private var octetsInCommand = 0

    public init(limits: IMAPLimits = IMAPLimits(), literalDecisions: LiteralDecisions = .automatic) {
        self.limits = limits
        self.literalDecisions = literalDecisions
        self.maxCommandSize = limits.maxCommandSize
    }

    /// Takes effect from the next literal header on (call it between commands).
    public mutating func setMaxCommandSize(_ size: Int) {
        maxCommandSize = size
    }

    /// Bounds the octets skipped from now on, counting what was skipped before.
    public mutating func setMaxDiscardedOctets(_ octets: Int?) {
        maxDiscardedOctets = octets
    }

    /// What may still be skipped before `discardLimitExceeded`.
    public var discardAllowance: Int {
        maxDiscardedOctets.map { max(0, $0 - discardedOctets) } ?? .max
    }

    /// Switches between command lines, SASL responses and IDLE. Only valid between commands.
    public mutating func setMode(_ mode: IMAPFramingMode) {
        self.mode = mode
    }

    /// Forget everything (STARTTLS: nothing sent in plaintext may survive into the TLS session).
    public mutating func reset() {
        state = .line(scanned: 0)
        mode = .command
        skippingCommand = false
        literalsInCommand = 0
        octetsInCommand = 0
    }

    /// True when the decoder waits for `acceptLiteral()` or `rejectLiteral()`.
    public var isAwaitingLiteralDecision: Bool {
        if case .awaitingDecision = state { return true }
        return false
    }

    /// True between the first octet of a command and its end (a partial line, a literal, a
    /// skipped remainder).
    public var isInsideCommand: Bool {
        if case .line(scanned: 0) = state { return skippingCommand || literalsInCommand > 0 }
        return true
    }

    /// The literal waiting for `acceptLiteral()` or `rejectLiteral()`.
    public var literalAwaitingDecision: IMAPLiteralHeader? {
        if case .awaitingDecision(let header) = state { return header }
        return nil
    }

    /// The literal's octets are read: after `+ ...` for a synchronizing literal, at once for a
    /// non-synchronizing one.
    public mutating func acceptLiteral() {
        guard case .awaitingDecision(let header) = state else { return }
        state = .literal(remaining: header.size)
    }

    /// The server answered the command with a tagged NO or BAD instead. After a synchronizing
    /// literal the client sends nothing more and the command is over (RFC 9051 §4.3); the octets
    /// of a non-synchronizing one are on their way, so they and the rest of the command are read
    /// and skipped (RFC 7888 §4, first choice).
    public mutating func rejectLiteral() {
        guard case .awaitingDecision(let header) = state else { return }
        if header.synchronizing {
            endCommand()
        } else {
            skippingCommand = true
            state = .discardingLiteral(remaining: header.size)
        }
    }

    public mutating func next(_ buffer: inout ByteBuffer) -> IMAPFrame? {
        while true {
            switch state {
            case .pending(let frame, let after):
                switch after {
                case .newCommand: endCommand()
                case .readLiteral(let n): state = .literal(remaining: n)
                case .awaitDecision(let header): state = .awaitingDecision(header)
                case .skipLiteral(let n): skippingCommand = true; state = .discardingLiteral(remaining: n)
                case .stop: state = .exhausted
                }
                return frame
            case .awaitingDecision, .exhausted:
                return nil
            case .literalEnded:
                state = .line(scanned: 0)
                if !skippingCommand { return .literalEnd }
            case .literal(let remaining):
                if remaining == 0 { state = .literalEnded; continue }
                guard buffer.readableBytes > 0 else { return nil }
                let chunk = buffer.readSlice(length: min(remaining, buffer.readableBytes))!
                state = remaining == chunk.readableBytes ? .literalEnded : .literal(remaining: remaining - chunk.readableBytes)
                return .literalData(chunk)
            case .discardingLiteral(let remaining):
                let n = min(remaining, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: n)
                if discarded(n) { return .discardLimitExceeded }
                if n == remaining { state = .line(scanned: 0); continue }
                state = .discardingLiteral(remaining: remaining - n)
                return nil
            case .discardingLine(let tail):
                guard let frame = discardLine(&buffer, tail: tail) else { return nil }
                if let frame { return frame }
            case .line(let scanned):
                guard let result = readLine(&buffer, scanned: scanned) else { return nil }
                if let frame = result { return frame }
            }
        }
    }

    /// A command line part is bounded by `maxLineLength` and by what is left of the command's
    /// budget (`maxCommandSize`: before login the whole command, lines and literals together,
    /// stays within `maxUnauthenticatedCommandSize`).
    private var currentLineLimit: Int {
        switch mode {
        case .authenticationResponse: limits.maxAuthenticationLineLength
        case .command, .idle: min(limits.maxLineLength, max(0, maxCommandSize - octetsInCommand))
        }
    }

    /// Returns nil for "need more data", .some(nil) for "state changed, loop", .some(frame).
    private mutating func readLine(_ buffer: inout ByteBuffer, scanned: Int) -> IMAPFrame?? {
        let view = buffer.readableBytesView
        let searchStart = view.index(view.startIndex, offsetBy: scanned)
        guard let lf = view[searchStart...].firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > currentLineLimit + 1 {
                // Too long: keep the beginning for the tag and the end for a literal header.
                let prefix = buffer.getSlice(at: buffer.readerIndex, length: min(view.count, 64))!
                let tail = Array(view.suffix(IMAPLiteralHeader.maximumLength))
                buffer.moveReaderIndex(forwardBy: view.count)
                discardedOctets += view.count
                state = .discardingLine(tail: tail)
                if skippingCommand { return .some(nil) }
                skippingCommand = true
                return .some(.lineTooLong(prefix: prefix))
            }
            state = .line(scanned: view.count)
            return nil
        }
        var length = view.distance(from: view.startIndex, to: lf)
        var line = buffer.readSlice(length: length + 1)!
        line.moveWriterIndex(to: line.writerIndex - 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
            length -= 1
        }
        state = .line(scanned: 0)
        if length > currentLineLimit {
            let prefix = line.getSlice(at: line.readerIndex, length: min(length, 64))!
            let header = mode == .command ? IMAPLiteralHeader.parse(atEndOf: line.readableBytesView)?.header : nil
            let wasSkipping = skippingCommand
            afterSkippedLine(header)
            if discarded(length) {
                if wasSkipping { return .some(.discardLimitExceeded) }
                state = .pending(.discardLimitExceeded, then: .stop)
            }
            return wasSkipping ? .some(nil) : .some(.lineTooLong(prefix: prefix))
        }
        switch mode {
        case .authenticationResponse:
            return .some(.authenticationResponse(line))
        case .idle:
            mode = .command
            let isDone = line.readableBytes == 4 && line.readableBytesView.elementsEqual("DONE".utf8, by: { asciiLower($0) == asciiLower($1) })
            return .some(isDone ? .idleDone : .idleUnexpected(line))
        case .command:
            return .some(commandLine(line))
        }
    }

    private mutating func commandLine(_ line: ByteBuffer) -> IMAPFrame? {
        var line = line
        let found = IMAPLiteralHeader.parse(atEndOf: line.readableBytesView)
        if skippingCommand {
            afterSkippedLine(found?.header)
            return nil
        }
        guard let (header, headerLength) = found else {
            endCommand()
            return .linePart(line, literal: nil)
        }
        line.moveWriterIndex(to: line.writerIndex - headerLength)
        literalsInCommand += 1
        let nonSyncLimit = limits.maxNonSynchronizingLiteralSize ?? Int.max
        let (total, overflow) = octetsInCommand.addingReportingOverflow(line.readableBytes + (header.size == Int.max ? 0 : header.size))
        octetsInCommand = overflow ? Int.max : total
        let error: IMAPFrame?
        if header.size > limits.maxLiteralSize || (!header.synchronizing && header.size > nonSyncLimit) {
            error = .literalTooLarge(header)
        } else if literalsInCommand > limits.maxLiteralsPerCommand || octetsInCommand > maxCommandSize || overflow {
            error = .commandTooLarge
        } else {
            error = nil
        }
        if let error {
            state = .pending(error, then: header.synchronizing ? .newCommand : .skipLiteral(header.size))
        } else if literalDecisions == .automatic && !header.synchronizing {
            state = .literal(remaining: header.size)
        } else if literalDecisions == .manual {
            state = .pending(.literalDecisionRequired(header), then: .awaitDecision(header))
        } else {
            state = .pending(.continuationRequest, then: .readLiteral(header.size))
        }
        return .linePart(line, literal: header)
    }

    /// Skips to the end of an over-long line, remembering its last octets.
    private mutating func discardLine(_ buffer: inout ByteBuffer, tail: [UInt8]) -> IMAPFrame?? {
        let view = buffer.readableBytesView
        guard let lf = view.firstIndex(of: UInt8(ascii: "\n")) else {
            let tail = Array((tail + view).suffix(IMAPLiteralHeader.maximumLength + 1))
            buffer.moveReaderIndex(forwardBy: view.count)
            state = .discardingLine(tail: tail)
            return discarded(view.count) ? .some(.discardLimitExceeded) : nil
        }
        var last = Array((tail + view[..<lf]).suffix(IMAPLiteralHeader.maximumLength + 1))
        let skipped = view.distance(from: view.startIndex, to: lf) + 1
        buffer.moveReaderIndex(forwardBy: skipped)
        if discarded(skipped) { return .some(.discardLimitExceeded) }
        if last.last == UInt8(ascii: "\r") { last.removeLast() }
        afterSkippedLine(mode == .command ? IMAPLiteralHeader.parse(atEndOf: last) : nil)
        return .some(nil)
    }

    /// A skipped line ended: skip the non-synchronizing literal it announced, or end the command
    /// (the client waits for a continuation we do not send after a synchronizing one).
    private mutating func afterSkippedLine(_ header: IMAPLiteralHeader?) {
        if let header, !header.synchronizing {
            skippingCommand = true
            state = .discardingLiteral(remaining: header.size)
        } else {
            if mode == .idle { mode = .command }
            endCommand()
        }
    }

    /// Counts skipped octets; true (and nothing more is read) once over `maxDiscardedOctets`.
    private mutating func discarded(_ octets: Int) -> Bool {
        discardedOctets += octets
        guard let maxDiscardedOctets, discardedOctets > maxDiscardedOctets else { return false }
        state = .exhausted
        return true
    }

    private mutating func endCommand() {
        state = .line(scanned: 0)
        skippingCommand = false
        literalsInCommand = 0
        octetsInCommand = 0
    }
}

@inline(__always) func asciiLower(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
}
