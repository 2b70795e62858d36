import ManageSieveProtocol
import NIOCore
import Testing

/// The framing contract (ManageSieveFrameDecoder): the same inputs whatever the read
/// boundaries, literals taken by count, and what is over a limit skipped to the end of its
/// command and reported once.
@Suite struct ManageSieveFrameDecoderTests {
    static func decode(_ text: String, splits: [Int]? = nil, line: Int = 512, literal: Int = 64) -> [ManageSieveInput] {
        decode(Array(text.utf8), splits: splits, line: line, literal: literal)
    }

    static func decode(_ bytes: [UInt8], splits: [Int]? = nil, line: Int = 512, literal: Int = 64) -> [ManageSieveInput] {
        var decoder = ManageSieveFrameDecoder(maxLineLength: line, maxLiteralSize: literal)
        var buffer = ByteBuffer()
        var inputs: [ManageSieveInput] = []
        var start = 0
        for size in (splits ?? [bytes.count]) + [bytes.count] {
            let end = min(bytes.count, start + size)
            buffer.writeBytes(bytes[start..<end])
            start = end
            while let input = decoder.next(&buffer) { inputs.append(input) }
        }
        return inputs
    }

    static func text(_ s: String) -> ManageSieveFrame.Piece { .text(Array(s.utf8)) }
    static func literal(_ s: String) -> ManageSieveFrame.Piece { .literal(Array(s.utf8)) }

    static let dialog = "CAPABILITY\r\nPUTSCRIPT \"main\" {12+}\r\nkeep;\r\nstop;\r\nRENAMESCRIPT {1}\r\na \"b\"\r\nPUTSCRIPT \"x{3+}\" \"y\"\r\n"

    @Test func literalsAreTakenByCountAndQuotedMarkersAreText() {
        let inputs = Self.decode(Self.dialog)
        #expect(inputs == [
            .command(.init(pieces: [Self.text("CAPABILITY")])),
            .command(.init(pieces: [Self.text("PUTSCRIPT \"main\" {12+}"), Self.literal("keep;\r\nstop;"), Self.text("")])),
            .command(.init(pieces: [Self.text("RENAMESCRIPT {1}"), Self.literal("a"), Self.text(" \"b\"")])),
            .command(.init(pieces: [Self.text("PUTSCRIPT \"x{3+}\" \"y\"")])),
        ])
    }

    @Test func theSameInputsWhateverTheReadBoundaries() {
        let whole = Self.decode(Self.dialog)
        #expect(Self.decode(Self.dialog, splits: Array(repeating: 1, count: Self.dialog.utf8.count)) == whole)
        // A CR and its LF in different reads, at every position.
        for cut in 1..<Self.dialog.utf8.count {
            #expect(Self.decode(Self.dialog, splits: [cut]) == whole, "split at \(cut)")
        }
    }

    @Test func anOversizedLiteralIsSkippedUnreadAndTheSessionStaysInStep() {
        let big = String(repeating: "x", count: 100)
        let inputs = Self.decode("PUTSCRIPT \"s\" {100+}\r\n\(big)\r\nNOOP\r\n", splits: [7, 30, 1, 1])
        #expect(inputs == [.literalTooLarge(keyword: "PUTSCRIPT", size: 100), .command(.init(pieces: [Self.text("NOOP")]))])
    }

    @Test func anOverlongLineIsReportedOnceAndItsLiteralSkippedToo() {
        let long = String(repeating: "a", count: 600)
        let inputs = Self.decode("PUTSCRIPT \"\(long)\" {5+}\r\nDELE;\r\nNOOP\r\n", splits: [100, 100, 100, 100])
        #expect(inputs == [.lineTooLong(keyword: "PUTSCRIPT"), .command(.init(pieces: [Self.text("NOOP")]))])
    }

    @Test func aLiteralBeyondTheRFCNumberEndsTheSession() {
        #expect(Self.decode("PUTSCRIPT \"a\" {4294967296+}\r\nNOOP\r\n") == [.unrecoverable, .command(.init(pieces: [Self.text("NOOP")]))])
        #expect(Self.decode("X {99999999999999999999999+}\r\n") == [.unrecoverable])
    }

    /// An overlong line ending in a literal marker whose number has more digits than the
    /// skipped line's kept tail: framed the same read whole or an octet at a time (the
    /// managesieve fuzz target found the two disagreeing: "too long" against "no marker").
    @Test func anOverlongLineWithAnOverlongMarkerIsFramedTheSameWhateverTheReads() {
        let line = "PUTSCRIPT \"" + String(repeating: "x", count: 600) + "\" {" + String(repeating: "6", count: 130) + "}\r\nNOOP\r\n"
        let whole = Self.decode(line)
        #expect(whole == Self.decode(line, splits: Array(repeating: 1, count: line.utf8.count)))
        #expect(whole == Self.decode(line, splits: [300, 350, 5]))
        #expect(whole == [.lineTooLong(keyword: "PUTSCRIPT"), .command(.init(pieces: [Self.text("NOOP")]))])
    }

    @Test func tooManyLiteralsAreRefused() {
        let inputs = Self.decode("NOOP {1+}\r\na {1+}\r\nb {1+}\r\nc {1+}\r\nd {1+}\r\ne\r\nLOGOUT\r\n")
        #expect(inputs == [.tooManyLiterals(keyword: "NOOP"), .command(.init(pieces: [Self.text("LOGOUT")]))])
    }

    @Test func assembledOctetsCountTheCommandSoFar() {
        var decoder = ManageSieveFrameDecoder(maxLineLength: 512, maxLiteralSize: 64)
        var buffer = ByteBuffer(string: "PUTSCRIPT \"a\" {10+}\r\n12345")
        let partial = decoder.next(&buffer)
        #expect(partial == nil)
        #expect(decoder.assembledOctets == "PUTSCRIPT \"a\" {10+}".utf8.count + 5)
        buffer.writeString("67890\r\n")
        let whole = decoder.next(&buffer)
        #expect(whole != nil)
        #expect(decoder.assembledOctets == 0)
    }
}
