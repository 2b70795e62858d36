import NIOCore

/// What the session hears from the client: whole commands, and the moments it must act
/// between them.
public enum IMAPCommandEvent: Sendable, Equatable {
    case command(IMAPTaggedCommand)
    /// A synchronizing literal was accepted: send `+ Ready for literal data` (RFC 9051 §7.5).
    case continuationRequest
    /// Manual literal decisions: check the literal (quota, APPEND limit) and call
    /// `acceptLiteral()` (+ send `+ ...` when it is synchronizing), or `rejectLiteral()` +
    /// answer `tag NO [...]` (a non-synchronizing literal's octets are then skipped).
    case literalDecisionRequired(IMAPPendingLiteral)
    /// The command cannot be used: answer `tag BAD` (or `* BAD` when `tag` is nil); for
    /// `literalTooLarge` a tagged NO or BAD with `[TOOBIG]`. The session goes on.
    case error(IMAPCommandError)
    /// A line in `authenticationResponse` mode; nil when it is neither base64 nor `*`.
    case authenticationResponse(IMAPSASLResponse?)
    /// The line that ends IDLE (RFC 2177 §3): `done` is false for anything but `DONE`.
    case idleEnded(done: Bool)
}

/// A synchronizing literal waiting for the server's decision.
public struct IMAPPendingLiteral: Sendable, Equatable {
    public var tag: String?
    /// The command keyword, uppercased ("APPEND", "REPLACE" for `UID REPLACE` ...), when readable.
    public var commandName: String?
    public var header: IMAPLiteralHeader
    /// Octets of the command so far (literal headers removed), e.g. `a APPEND INBOX (\Seen) `.
    public var textSoFar: [UInt8]
}

/// Framing, assembly and grammar together: bytes in, `IMAPCommandEvent`s out.
///
/// Use it as a `ByteToMessageDecoder` (automatic literal decisions, command mode only) or own
/// the struct in the session's handler and call `next(_:)`, which also allows manual literal
/// decisions, `setMode(_:)` for AUTHENTICATE and IDLE, and `reset()` at STARTTLS.
public struct IMAPCommandDecoder: Sendable, ByteToMessageDecoder {
    public typealias InboundOut = IMAPCommandEvent

    public private(set) var framing: IMAPFramingDecoder
    public var parser: IMAPCommandParser

    private var text: [UInt8] = []
    private var literals: [IMAPCommandBytes.Literal] = []
    private var currentLiteral: (header: IMAPLiteralHeader, data: ByteBuffer)?

    public init(limits: IMAPLimits = IMAPLimits(), encoding: IMAPTextEncoding = .imap4rev1,
                literalDecisions: IMAPFramingDecoder.LiteralDecisions = .automatic) {
        framing = IMAPFramingDecoder(limits: limits, literalDecisions: literalDecisions)
        parser = IMAPCommandParser(limits: limits, encoding: encoding)
    }

    /// After ENABLE IMAP4rev2 / UTF8=ACCEPT.
    public mutating func setEncoding(_ encoding: IMAPTextEncoding) { parser.encoding = encoding }
    public mutating func setMode(_ mode: IMAPFramingMode) { framing.setMode(mode) }
    public mutating func acceptLiteral() { framing.acceptLiteral() }
    /// The literal waiting for `acceptLiteral()` or `rejectLiteral()`.
    public var literalAwaitingDecision: IMAPLiteralHeader? { framing.literalAwaitingDecision }
    /// Before login `IMAPLimits.maxUnauthenticatedCommandSize`, after it `maxCommandSize`.
    public mutating func setMaxCommandSize(_ size: Int) { framing.setMaxCommandSize(size) }
    public mutating func setMaxDiscardedOctets(_ octets: Int?) { framing.setMaxDiscardedOctets(octets) }
    /// True while a command line or literal has begun but not ended (the session's per-command
    /// deadline runs then).
    public var isInsideCommand: Bool { !text.isEmpty || currentLiteral != nil || framing.isInsideCommand }

    public mutating func rejectLiteral() {
        framing.rejectLiteral()
        clear()
    }

    /// STARTTLS: drop everything received so far (RFC 9051 §6.2.1, the CVE-2011-0411 class).
    public mutating func reset() {
        framing.reset()
        clear()
    }

    public mutating func next(_ buffer: inout ByteBuffer) -> IMAPCommandEvent? {
        while let frame = framing.next(&buffer) {
            if let event = handle(frame) { return event }
        }
        return nil
    }

    private mutating func handle(_ frame: IMAPFrame) -> IMAPCommandEvent? {
        switch frame {
        case .linePart(let part, let literal):
            text.append(contentsOf: part.readableBytesView)
            if let literal {
                currentLiteral = (literal, ByteBuffer())
                return nil
            }
            defer { clear() }
            do {
                return .command(try parser.parse(IMAPCommandBytes(text: text, literals: literals)))
            } catch {
                return .error(error)
            }
        case .continuationRequest:
            return .continuationRequest
        case .literalDecisionRequired(let header):
            return .literalDecisionRequired(IMAPPendingLiteral(tag: tag, commandName: commandName, header: header, textSoFar: text))
        case .literalData(var chunk):
            currentLiteral?.data.writeBuffer(&chunk)
            return nil
        case .literalEnd:
            if let (header, data) = currentLiteral {
                literals.append(IMAPCommandBytes.Literal(offset: text.count, data: data, binary: header.binary))
            }
            currentLiteral = nil
            return nil
        case .lineTooLong(let prefix):
            let tag = text.isEmpty ? IMAPCommandParser.tag(of: prefix.readableBytesView) : tag
            clear()
            return .error(IMAPCommandError(tag: tag, kind: .lineTooLong, message: "line too long"))
        case .literalTooLarge(let header):
            defer { clear() }
            // Name the limit that applied: LITERAL- caps non-synchronizing literals at 4096
            // octets (RFC 7888 §5), whatever the message size limit.
            let nonSyncLimit = framing.limits.maxNonSynchronizingLiteralSize ?? Int.max
            let message = !header.synchronizing && header.size <= framing.limits.maxLiteralSize
                ? "non-synchronizing literal larger than \(nonSyncLimit) octets (LITERAL-); send it as a synchronizing literal"
                : "literal larger than the limit of \(framing.limits.maxLiteralSize) octets"
            // Larger than any command, or than what may still be skipped (COMPRESS).
            let unskippable = !header.synchronizing
                && (header.size > framing.limits.maxCommandSize || header.size > framing.discardAllowance)
            return .error(IMAPCommandError(tag: tag, kind: .literalTooLarge, message: message, synchronizing: header.synchronizing,
                                           closesConnection: unskippable, commandName: commandName,
                                           overLiteralMinusBound: !header.synchronizing && header.size <= framing.limits.maxLiteralSize))
        case .commandTooLarge:
            defer { clear() }
            return .error(IMAPCommandError(tag: tag, kind: .limitExceeded, message: "command too large"))
        case .discardLimitExceeded:
            clear()
            return .error(IMAPCommandError(tag: nil, kind: .limitExceeded, message: "too much refused input to skip",
                                           closesConnection: true))
        case .authenticationResponse(let line):
            return .authenticationResponse(IMAPSASLResponse.parse(line))
        case .idleDone:
            return .idleEnded(done: true)
        case .idleUnexpected:
            return .idleEnded(done: false)
        }
    }

    private var tag: String? { IMAPCommandParser.tag(of: text) }

    /// The command keyword after the tag, uppercased; for `UID x` the keyword x (`UID REPLACE`
    /// carries a message literal as APPEND does, RFC 8508 §5).
    private var commandName: String? {
        guard let space = text.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        var rest = text[(space + 1)...]
        var name = rest.prefix { $0 != UInt8(ascii: " ") }
        if name.map(asciiUpper).elementsEqual("UID".utf8), name.endIndex < rest.endIndex {
            rest = rest[(name.endIndex + 1)...]
            name = rest.prefix { $0 != UInt8(ascii: " ") }
        }
        return name.isEmpty ? nil : String(decoding: name.map(asciiUpper), as: UTF8.self)
    }

    /// Commands whose literals are messages (sized against the message limit, not the small
    /// literal limit): APPEND (RFC 9051 §6.3.12, with CATENATE's TEXT parts, RFC 4469) and
    /// REPLACE (RFC 8508).
    public static let messageCommands: Set<String> = ["APPEND", "REPLACE"]

    private mutating func clear() {
        text.removeAll(keepingCapacity: true)
        literals.removeAll()
        currentLiteral = nil
    }

    // MARK: ByteToMessageDecoder

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let event = next(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(event))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
