import NIOCore
import Testing
@testable import SMTPProtocol

/// The DATA state machine skips through lines with memchr; this is the byte-at-a-time machine
/// it replaced (the same transitions, written for arrays), and the two must agree on the state,
/// the output and the bytes consumed after every read, whatever the input and its splits.
struct ByteAtATimeDataMachine {
    typealias Position = SMTPFrameDecoder.DataState.Position
    var position = Position.lineStart
    var maxSize: Int
    var octets = 0
    var sawBareLineEnding = false
    var ended = false
    var output: [UInt8] = []

    mutating func consume(_ input: [UInt8]) -> Int {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), period = UInt8(ascii: ".")
        var index = 0
        var runStart = 0
        func emit(_ bytes: ArraySlice<UInt8>, _ state: inout Self) {
            state.octets += bytes.count
            if !(state.octets > state.maxSize || state.sawBareLineEnding) { state.output += bytes }
        }
        func flush(_ end: Int, _ state: inout Self) { if end > runStart { emit(input[runStart..<end], &state) } }
        while index < input.count {
            let byte = input[index]
            switch position {
            case .text:
                if byte == cr { position = .textCR } else if byte == lf {
                    flush(index, &self); sawBareLineEnding = true; position = .text; runStart = index + 1
                }
                index += 1
            case .textCR:
                if byte == lf { position = .lineStart; index += 1 } else { sawBareLineEnding = true; position = .text }
            case .lineStart:
                switch byte {
                case period: flush(index, &self); position = .dot; runStart = index + 1
                case cr: position = .textCR
                case lf: flush(index, &self); sawBareLineEnding = true; position = .text; runStart = index + 1
                default: position = .text
                }
                index += 1
            case .dot:
                switch byte {
                case cr: position = .dotCR; runStart = index + 1
                case lf: sawBareLineEnding = true; position = .text; runStart = index + 1
                default: position = .text
                }
                index += 1
            case .dotCR:
                if byte == lf { ended = true; return index + 1 }
                sawBareLineEnding = true; position = .text
                emit([cr], &self)
                runStart = index
            }
        }
        flush(index, &self)
        return index
    }
}

@Suite struct FrameDecoderDataScanTests {
    static let pieces: [[UInt8]] = ["a", "line of text", ".", "..", "\r", "\n", "\r\n", "\r\n.", "\r\n.\r\n", "\n.\n", "\r.\r",
                                     "é", String(repeating: "x", count: 300), "\r\r\n", ".\r\n"].map { Array($0.utf8) }

    @Test func memchrScanAgreesWithTheByteMachine() {
        var random = SplitRandom(seed: 24)
        for round in 0..<3000 {
            var input: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &random) { input += Self.pieces[Int.random(in: 0..<Self.pieces.count, using: &random)] }
            let maxSize = round % 3 == 0 ? Int.random(in: 0...input.count + 1, using: &random) : 1 << 30
            var reference = ByteAtATimeDataMachine(maxSize: maxSize)
            var state = SMTPFrameDecoder.DataState(maxSize: maxSize)
            var output = ByteBuffer()
            var start = 0
            while start < input.count, !state.ended {
                let length = Int.random(in: 1...max(1, input.count - start), using: &random)
                let read = Array(input[start..<start + length])
                let expected = reference.consume(read)
                let consumed = read.withUnsafeBytes { state.consume($0, into: &output) }
                #expect(consumed == expected, "round \(round)")
                #expect(state.position == reference.position && state.octets == reference.octets
                        && state.sawBareLineEnding == reference.sawBareLineEnding && state.ended == reference.ended, "round \(round)")
                start += consumed
                if consumed == 0 { break }
            }
            #expect(Array(output.readableBytesView) == reference.output, "round \(round)")
        }
    }
}
