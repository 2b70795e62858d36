import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// RFC 5321 §4.1.1.4 (DATA), §4.5.2 (transparency), §2.3.8 (lines end in CRLF only).
//
// The content ends on CRLF "." CRLF and on nothing else; the CRLF before the dot belongs to the
// content, and the CRLF of the DATA command line counts as the first CRLF (so ".\r\n" right away
// is an empty message). At the start of a line a leading "." is removed (dot-unstuffing).
//
// A bare CR or bare LF anywhere in the content is remembered as a problem and the content is
// still read to CRLF "." CRLF, so the session can refuse it with one reply and stay in step.
// "\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n" and the like never end DATA: that is the whole defence
// against SMTP smuggling (CVE-2023-51764 and relatives), so it is decided here, in one place.
// Once any problem is known no more `.content` is produced; the session discards what it has
// (how much came out before the problem was seen depends on how the input was split).

extension SMTPFrameDecoder {
    struct DataState: Sendable, Equatable {
        enum Position: Sendable, Equatable {
            /// Right after CRLF (or at the start of the content).
            case lineStart
            /// Inside a line.
            case text
            /// A CR inside a line, not yet known to be part of CRLF; not yet written.
            case textCR
            /// A "." at the start of a line; not written (unstuffed or the end marker).
            case dot
            /// "." CR at the start of a line: LF next ends the content.
            case dotCR
        }

        var position = Position.lineStart
        var maxSize = 0
        var octets = 0
        var sawBareLineEnding = false
        var ended = false

        /// Why the content must be refused. Too large wins over a bare line ending whatever came
        /// first: content is counted in runs whose ends follow the input's segmentation, so
        /// "which was seen first" would make the reply depend on how TCP split the stream.
        var problem: SMTPContentEnd.Problem? {
            if octets > maxSize { return .tooLarge }
            return sawBareLineEnding ? .bareLineEnding : nil
        }

        init() {}
        init(maxSize: Int) { self.maxSize = maxSize }
    }

    mutating func nextContent(_ buffer: inout ByteBuffer) -> SMTPFrame? {
        if dataState.ended {
            mode = .commands
            let end = SMTPContentEnd(octets: dataState.octets, problem: dataState.problem)
            dataState = DataState()
            return .contentEnd(end)
        }
        guard buffer.readableBytes > 0 else { return nil }
        var output = ByteBuffer()
        output.reserveCapacity(buffer.readableBytes)
        let consumed = buffer.withUnsafeReadableBytes { input in
            dataState.consume(input, into: &output)
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        if output.readableBytes > 0 { return .content(output) }
        return dataState.ended ? nextContent(&buffer) : nil
    }
}

extension SMTPFrameDecoder.DataState {
    /// Runs the state machine over `input` until the content ends or the input is used up;
    /// returns how many bytes were consumed. Content is copied in runs: a run goes on through
    /// CRLFs and is written only where a byte must be left out (a dot at the start of a line,
    /// a bare LF) or at the end of the input, so ordinary lines cost no write each.
    /// Inside a line only CR and LF change anything, so `.text` jumps to the next of them with
    /// memchr instead of stepping through the line (the byte loop was 213 K instructions per
    /// 10 KB message, issue 24). The next LF is found once and kept: CRs before it are looked
    /// for up to it only, so no byte is scanned more than twice whatever the input.
    mutating func consume(_ input: UnsafeRawBufferPointer, into output: inout ByteBuffer) -> Int {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), period = UInt8(ascii: ".")
        var index = 0
        /// The first byte of the content run not yet written.
        var runStart = 0
        /// Where the next LF at or after `index` is (`input.count` when there is none), once known.
        var nextLF = -1
        func flushRun(_ end: Int, _ output: inout ByteBuffer, _ state: inout Self) {
            if end > runStart { state.emit(UnsafeRawBufferPointer(rebasing: input[runStart..<end]), into: &output) }
        }
        while index < input.count {
            if position == .text {
                if nextLF < index { nextLF = Self.first(lf, in: input, from: index, to: input.count) }
                index = Self.first(cr, in: input, from: index, to: nextLF)
                if index == input.count { break }
            }
            let byte = input[index]
            switch position {
            case .text:
                if byte == cr {
                    position = .textCR
                } else if byte == lf {
                    // A bare LF is refused and not counted as content.
                    flushRun(index, &output, &self)
                    noteBareLineEnding(then: .text)
                    runStart = index + 1
                }
                index += 1
            case .textCR:
                if byte == lf {
                    position = .lineStart
                    index += 1
                } else {
                    // The bare CR stays in the run (counted); the byte after it is looked at again, as text.
                    noteBareLineEnding(then: .text)
                }
            case .lineStart:
                switch byte {
                case period:
                    // Unstuffed, or the end marker: the dot is never content.
                    flushRun(index, &output, &self)
                    position = .dot
                    runStart = index + 1
                case cr:
                    position = .textCR
                case lf:
                    flushRun(index, &output, &self)
                    noteBareLineEnding(then: .text)
                    runStart = index + 1
                default:
                    position = .text
                }
                index += 1
            case .dot:
                switch byte {
                case cr:
                    position = .dotCR
                    runStart = index + 1
                case lf:
                    noteBareLineEnding(then: .text)
                    runStart = index + 1
                default:
                    position = .text  // the dot is dropped; the run starts at this byte
                }
                index += 1
            case .dotCR:
                if byte == lf {
                    ended = true
                    return index + 1
                }
                noteBareLineEnding(then: .text)
                emitLiteral([cr], into: &output)  // counted, not written
                runStart = index  // the byte after the bare CR is looked at again, as text
            }
        }
        flushRun(index, &output, &self)
        return index
    }

    /// The index of the first `byte` in `input[from..<to]`, or `to`.
    private static func first(_ byte: UInt8, in input: UnsafeRawBufferPointer, from: Int, to: Int) -> Int {
        guard from < to, let base = input.baseAddress else { return to }
        guard let found = memchr(base + from, Int32(byte), to - from) else { return to }
        return from + (UnsafeRawPointer(found) - (base + from))
    }

    private mutating func noteBareLineEnding(then next: Position) {
        sawBareLineEnding = true
        position = next
    }

    private mutating func emitLiteral(_ bytes: [UInt8], into output: inout ByteBuffer) {
        bytes.withUnsafeBytes { emit($0, into: &output) }
    }

    /// Counts every content octet; writes it only while the content is still good and within size.
    private mutating func emit(_ bytes: UnsafeRawBufferPointer, into output: inout ByteBuffer) {
        octets += bytes.count
        if problem == nil { output.writeBytes(bytes) }
    }
}
