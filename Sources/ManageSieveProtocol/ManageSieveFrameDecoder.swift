import NIOCore

/// One client command as framed: its text runs and the literals between them. The grammar
/// (`ManageSieveParser`) reads it; framing only finds where the command ends.
public struct ManageSieveFrame: Sendable, Equatable {
    public enum Piece: Sendable, Equatable {
        /// A line without its CRLF (the literal marker `{n+}` that ends it included).
        case text([UInt8])
        case literal([UInt8])
    }

    public var pieces: [Piece]

    public init(pieces: [Piece]) { self.pieces = pieces }

    /// The command name, upper-cased, when it looks like one (for refusals and logs).
    public var keyword: String { Self.keyword(of: pieces.first) }

    static func keyword(of piece: Piece?) -> String {
        guard case .text(let bytes)? = piece else { return "" }
        let word = bytes.prefix { $0 != 0x20 }
        guard !word.isEmpty, word.count <= 16, word.allSatisfy({ (0x41...0x5A).contains($0 & 0xDF) }) else { return "" }
        return String(decoding: word, as: UTF8.self).uppercased()
    }
}

/// What the decoder hands the session.
public enum ManageSieveInput: Sendable, Equatable {
    case command(ManageSieveFrame)
    /// A line over the limit: the command was skipped to its end (literals included).
    case lineTooLong(keyword: String)
    /// A literal over the limit: its octets and the rest of the command were skipped unread.
    case literalTooLarge(keyword: String, size: UInt64)
    /// More than `ManageSieveLimits.maxLiteralsPerCommand` literals: the rest was skipped.
    case tooManyLiterals(keyword: String)
    /// A literal of more than 4294967295 octets (RFC 5804 §4 `number`): the client and server
    /// can no longer agree where the next command starts, so the session ends (BYE).
    case unrecoverable
}

/// Splits the client stream into commands: lines ending in CRLF (a bare LF is accepted), and
/// after a line ending in a literal marker, that many octets and the line that continues it
/// (RFC 5804 §4: `literal-c2s = "{" number "+}" CRLF *OCTET`; the synchronizing form `{n}` is
/// taken the same way, since ManageSieve has no continuation for literals).
///
/// Contract: any split of the input into reads gives the same inputs. Every line is bounded by
/// `maxLineLength`, every literal by `maxLiteralSize`; what is over either is skipped without
/// being buffered, up to the end of the command, and reported once, so the session answers NO
/// and stays in step. A literal marker inside a quoted string is text, not a literal.
public struct ManageSieveFrameDecoder: Sendable {
    public var maxLineLength: Int
    /// Changes with the session's state (small before login, the script size after).
    public var maxLiteralSize: Int

    private enum Mode: Sendable {
        case line
        case literal(remaining: Int)
        /// Skipping a refused command's line; `tail` keeps its last octets to find a marker.
        case discardLine(tail: [UInt8])
        case discardLiteral(remaining: UInt64)
    }

    private var mode = Mode.line
    private var pieces: [ManageSieveFrame.Piece] = []
    private var literals = 0
    private var refusal: ManageSieveInput?
    /// Octets of the command assembled so far (they count towards the session's input budget).
    public private(set) var assembledOctets = 0

    public init(maxLineLength: Int, maxLiteralSize: Int) {
        self.maxLineLength = max(maxLineLength, ManageSieveLimits.minimumLineLength)
        self.maxLiteralSize = maxLiteralSize
    }

    /// The next complete input, consuming what it used; nil when more octets are needed.
    public mutating func next(_ buffer: inout ByteBuffer) -> ManageSieveInput? {
        while buffer.readableBytes > 0 {
            switch mode {
            case .line:
                let view = buffer.readableBytesView
                guard let newline = view.firstIndex(of: 0x0A) else {
                    // A CR at the end may be the first half of the CRLF, which the limit does not count.
                    let pending = view.last == 0x0D ? view.count - 1 : view.count
                    guard pending > maxLineLength else { return nil }
                    refuse(.lineTooLong(keyword: currentKeyword(view)))
                    mode = .discardLine(tail: Array(view.suffix(Self.tailLength + 1)))
                    buffer.moveReaderIndex(forwardBy: view.count)
                    return nil
                }
                var bytes = buffer.readBytes(length: newline - view.startIndex + 1)!
                bytes.removeLast()
                if bytes.last == 0x0D { bytes.removeLast() }
                if bytes.count > maxLineLength {
                    refuse(.lineTooLong(keyword: currentKeyword(bytes[...])))
                    if let input = endOfRefusedLine(bytes) { return input }
                    continue
                }
                guard let marker = Self.literalMarker(bytes, quoted: true) else {
                    append(.text(bytes))
                    return finish()
                }
                append(.text(bytes))
                literals += 1
                guard let size = marker, size <= ManageSieveLimits.maxNumber else { return unrecoverable() }
                if literals > ManageSieveLimits.maxLiteralsPerCommand {
                    refuse(.tooManyLiterals(keyword: ManageSieveFrame.keyword(of: pieces.first)))
                    mode = .discardLiteral(remaining: size)
                } else if size > UInt64(maxLiteralSize) {
                    refuse(.literalTooLarge(keyword: ManageSieveFrame.keyword(of: pieces.first), size: size))
                    mode = .discardLiteral(remaining: size)
                } else {
                    pieces.append(.literal([]))
                    mode = .literal(remaining: Int(size))
                }
            case .literal(let remaining):
                let take = min(remaining, buffer.readableBytes)
                guard case .literal(var bytes) = pieces.removeLast() else { preconditionFailure("literal piece expected") }
                bytes += buffer.readBytes(length: take)!
                pieces.append(.literal(bytes))
                assembledOctets += take
                mode = take == remaining ? .line : .literal(remaining: remaining - take)
            case .discardLiteral(let remaining):
                let skip = Int(min(remaining, UInt64(buffer.readableBytes)))
                buffer.moveReaderIndex(forwardBy: skip)
                mode = UInt64(skip) == remaining ? .discardLine(tail: []) : .discardLiteral(remaining: remaining - UInt64(skip))
            case .discardLine(let tail):
                let view = buffer.readableBytesView
                guard let newline = view.firstIndex(of: 0x0A) else {
                    // One octet more than the tail: a CR here may turn out to be the CRLF's.
                    mode = .discardLine(tail: Array((tail + view).suffix(Self.tailLength + 1)))
                    buffer.moveReaderIndex(forwardBy: view.count)
                    return nil
                }
                var line = tail + view[..<newline]
                buffer.moveReaderIndex(forwardBy: newline - view.startIndex + 1)
                if line.last == 0x0D { line.removeLast() }
                if let input = endOfRefusedLine(line) { return input }
            }
        }
        return nil
    }

    /// Enough of a skipped line's end to see a literal marker ("{" 20 digits "+}").
    private static let tailLength = 24

    /// A refused command's line ended: skip its literal if it announces one, else report. Only
    /// the line's last `tailLength` octets are looked at, whether the line came whole or in
    /// pieces (a skipped line is not kept): otherwise a marker with more digits than the tail
    /// holds was "too long" in a line read whole and no marker at all in one read in pieces,
    /// and the same client stream was framed two ways (found by the managesieve fuzz target).
    private mutating func endOfRefusedLine(_ line: [UInt8]) -> ManageSieveInput? {
        guard let marker = Self.literalMarker(Array(line.suffix(Self.tailLength)), quoted: false) else { return finish() }
        guard let size = marker, size <= ManageSieveLimits.maxNumber else { return unrecoverable() }
        mode = .discardLiteral(remaining: size)
        return nil
    }

    private func currentKeyword(_ line: some Collection<UInt8>) -> String {
        pieces.isEmpty ? ManageSieveFrame.keyword(of: .text(Array(line.prefix(17)))) : ManageSieveFrame.keyword(of: pieces.first)
    }

    private mutating func append(_ piece: ManageSieveFrame.Piece) {
        if case .text(let bytes) = piece { assembledOctets += bytes.count }
        pieces.append(piece)
    }

    private mutating func refuse(_ input: ManageSieveInput) {
        if refusal == nil { refusal = input }
        pieces = []
        assembledOctets = 0
    }

    private mutating func finish() -> ManageSieveInput {
        defer {
            pieces = []
            literals = 0
            refusal = nil
            assembledOctets = 0
            mode = .line
        }
        return refusal ?? .command(ManageSieveFrame(pieces: pieces))
    }

    private mutating func unrecoverable() -> ManageSieveInput {
        _ = finish()
        return .unrecoverable
    }

    /// Whether `line` ends in a literal marker `{n+}` or `{n}` (outside a quoted string when
    /// `quoted`): nil when not, `.some(nil)` when the number is too long to be one.
    static func literalMarker(_ line: [UInt8], quoted: Bool) -> UInt64?? {
        guard line.last == UInt8(ascii: "}"), let open = line.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        guard open == line.startIndex || line[open - 1] == 0x20 else { return nil }
        var digits = line[(open + 1)..<(line.endIndex - 1)]
        if digits.last == UInt8(ascii: "+") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        if quoted && Self.endsInsideQuote(line[..<open]) { return nil }
        guard digits.count <= 19 else { return .some(nil) }
        return .some(digits.reduce(UInt64(0)) { $0 * 10 + UInt64($1 - 0x30) })
    }

    /// RFC 5804 §4 `quoted`: whether a quoted string is still open at the end of `text`.
    static func endsInsideQuote(_ text: ArraySlice<UInt8>) -> Bool {
        var inside = false, escaped = false
        for byte in text {
            if escaped { escaped = false; continue }
            if inside && byte == UInt8(ascii: "\\") { escaped = true; continue }
            if byte == UInt8(ascii: "\"") { inside.toggle() }
        }
        return inside
    }
}
