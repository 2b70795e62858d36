import NIOCore

/// Splits the client stream into command lines (CRLF, or bare LF from lenient clients) with a
/// length limit. An over-long line is reported once and skipped up to its end, without
/// buffering it (the server replies -ERR and stays in sync).
public struct POP3LineDecoder: ByteToMessageDecoder {
    public typealias InboundOut = POP3Line

    public enum POP3Line: Sendable, Equatable {
        case line(String)
        case tooLong
    }

    public let maxLineLength: Int
    private var discarding = false

    public init(maxLineLength: Int) { self.maxLineLength = max(maxLineLength, POP3Limits.minimumLineLength) }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let line = try nextLine(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    /// The decoding step without a channel, for tests and the session.
    public mutating func nextLine(_ buffer: inout ByteBuffer) throws -> POP3Line? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: 0x0A) else {
            // A CR at the end may be the first half of the CRLF, which the limit does not count:
            // a line of exactly maxLineLength octets must not be refused because its CR and LF
            // arrived in different segments (found by fuzzing, Fuzz/HatoFuzz).
            let pending = view.last == 0x0D ? view.count - 1 : view.count
            if pending > maxLineLength {
                buffer.moveReaderIndex(forwardBy: view.count)
                if !discarding {
                    discarding = true
                    return .tooLong
                }
            }
            return nil
        }
        let length = newline - view.startIndex
        var bytes = buffer.readBytes(length: length + 1)!
        bytes.removeLast()
        if bytes.last == 0x0D { bytes.removeLast() }
        if discarding {
            // The tail of a line already reported as too long.
            discarding = false
            return try nextLine(&buffer)
        }
        guard bytes.count <= maxLineLength else { return .tooLong }
        return .line(String(decoding: bytes, as: UTF8.self))
    }
}
