import NIOCore

/// Splits the client's byte stream into command lines, DATA content and BDAT chunks.
///
/// The contract (drip-fed in the tests: one byte at a time, all at once, random splits):
/// - Command mode (the start): one `.line` per CRLF-terminated line. A line longer than its limit
///   (CRLF included) yields one `.lineTooLong` when it ends; its bytes are dropped as they arrive,
///   never buffered. A line ending in a bare LF yields `.bareLineFeed`. A CR alone is an ordinary
///   byte here (the grammar refuses it).
/// - After a line whose first word is DATA, BDAT or STARTTLS the decoder *holds*: it returns nil,
///   keeping the bytes, until the session says what follows with `beginData`, `beginChunk`,
///   `continueCommands` or (TLS is starting) `discardBufferedInput`. Pipelined bytes are thus never
///   read in the wrong mode, whatever the session's timing.
/// - DATA mode: `.content` pieces then one `.contentEnd`, see `SMTPFrameDecoder+Data.swift`.
/// - Chunk mode: exactly `size` octets as `.chunk` pieces (none when discarding), then `.chunkEnd`.
///
/// The session owns the decoder and its input buffer (as `POP3SessionAdapter` does) and calls
/// `decode(buffer:)` when it is ready for the next frame; it is also a
/// `NIOSingleStepByteToMessageDecoder` for pipelines that never leave command mode.
public struct SMTPFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = SMTPFrame

    public enum Mode: Sendable, Equatable {
        case commands
        /// A DATA/BDAT/STARTTLS line was returned; waiting for the session's decision.
        case held
        case data
        case chunk(remaining: Int, last: Bool, discarding: Bool)
    }

    public let limits: SMTPLimits
    public internal(set) var mode: Mode = .commands

    /// Readable bytes of the current line already searched for LF (avoids rescans when drip-fed).
    private var searched = 0
    /// An over-long line is being skipped up to its LF.
    private var skippingLongLine = false
    /// The next line is a SASL response (RFC 4954 §4 line limit).
    private var expectingSASLResponse = false
    var dataState = DataState()

    public init(limits: SMTPLimits = SMTPLimits()) {
        self.limits = limits
    }

    // MARK: session decisions

    /// DATA was accepted with 354: read content up to CRLF "." CRLF, refusing more than `maxSize`
    /// octets (default `limits.maxMessageSize`) only once the final dot has arrived.
    public mutating func beginData(maxSize: Int? = nil) {
        dataState = DataState(maxSize: maxSize ?? limits.maxMessageSize)
        mode = .data
    }

    /// A BDAT command with a valid size was read: its `size` octets follow whatever the reply.
    /// RFC 3030 §2: when refused, the server "MUST accept and discard the associated message data",
    /// so pass `discard: true` and no `.chunk` frames are produced.
    public mutating func beginChunk(size: Int, last: Bool, discard: Bool = false) {
        mode = .chunk(remaining: max(size, 0), last: last, discarding: discard)
    }

    /// The held command was refused (or was not what it looked like): read command lines again.
    public mutating func continueCommands() {
        if mode == .held { mode = .commands }
    }

    /// The next line is a SASL response, allowed up to `limits.maxAuthLineLength` (RFC 4954 §4).
    public mutating func expectSASLResponse() {
        expectingSASLResponse = true
    }

    /// TLS starts now (STARTTLS answered 220): drop every byte received in plaintext but not yet
    /// decoded, and return to command mode. RFC 3207 §4.2 and the CVE-2011-0411 class of command
    /// injection: nothing sent before the handshake may be read as if it came after it.
    /// Returns the number of octets dropped, for the log.
    @discardableResult
    public mutating func discardBufferedInput(_ buffer: inout ByteBuffer) -> Int {
        let dropped = buffer.readableBytes
        buffer.moveReaderIndex(forwardBy: dropped)
        self = SMTPFrameDecoder(limits: limits)
        return dropped
    }

    // MARK: decoding

    public mutating func decode(buffer: inout ByteBuffer) -> SMTPFrame? {
        switch mode {
        case .commands: return nextLine(&buffer)
        case .held: return nil
        case .data: return nextContent(&buffer)
        case .chunk(let remaining, let last, let discarding):
            if remaining == 0 {
                mode = .commands
                return .chunkEnd(last: last)
            }
            let count = min(remaining, buffer.readableBytes)
            guard count > 0 else { return nil }
            mode = .chunk(remaining: remaining - count, last: last, discarding: discarding)
            if discarding {
                buffer.moveReaderIndex(forwardBy: count)
                return decode(buffer: &buffer)
            }
            return .chunk(buffer.readSlice(length: count)!)
        }
    }

    /// At end of input a partial line, content or chunk is incomplete and means nothing.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) -> SMTPFrame? {
        decode(buffer: &buffer)
    }

    private mutating func nextLine(_ buffer: inout ByteBuffer) -> SMTPFrame? {
        let view = buffer.readableBytesView
        let start = view.startIndex
        guard let newline = view[(start + searched)...].firstIndex(of: UInt8(ascii: "\n")) else {
            if skippingLongLine {
                buffer.moveReaderIndex(forwardBy: view.count)
                searched = 0
            } else if view.count + 1 > lineLimit(view) {
                // Even the shortest ending makes it too long: skip it as it arrives.
                skippingLongLine = true
                buffer.moveReaderIndex(forwardBy: view.count)
                searched = 0
            } else {
                searched = view.count
            }
            return nil
        }
        let total = newline - start + 1
        let limit = lineLimit(view)
        let crlf = newline > start && view[newline - 1] == UInt8(ascii: "\r")
        searched = 0
        expectingSASLResponse = false
        if skippingLongLine || total > limit {
            skippingLongLine = false
            buffer.moveReaderIndex(forwardBy: total)
            return .lineTooLong
        }
        guard crlf else {
            buffer.moveReaderIndex(forwardBy: total)
            return .bareLineFeed
        }
        let line = buffer.readSlice(length: total - 2)!
        buffer.moveReaderIndex(forwardBy: 2)
        if Self.changesFraming(line) { mode = .held }
        return .line(line)
    }

    /// RFC 4954 §4: the AUTH command and SASL responses may be longer than other commands.
    private func lineLimit(_ view: ByteBufferView) -> Int {
        if expectingSASLResponse || Self.startsWithWord(view, "AUTH") {
            return limits.maxAuthLineLength
        }
        return limits.maxCommandLineLength
    }

    /// DATA, BDAT and STARTTLS change how the bytes after them are read.
    static func changesFraming(_ line: ByteBuffer) -> Bool {
        let view = line.readableBytesView
        return startsWithWord(view, "DATA") || startsWithWord(view, "BDAT") || startsWithWord(view, "STARTTLS")
    }

    /// Whether `view` starts with `word` (ASCII, any case) followed by SP, CR, LF or its end.
    static func startsWithWord(_ view: ByteBufferView, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard view.count >= count else { return false }
        let bytes = word.utf8Start
        var index = view.startIndex
        for offset in 0..<count {
            guard view[index] | 0x20 == bytes[offset] | 0x20 else { return false }
            index += 1
        }
        return index == view.endIndex || [UInt8(ascii: " "), UInt8(ascii: "\r"), UInt8(ascii: "\n")].contains(view[index])
    }
}
