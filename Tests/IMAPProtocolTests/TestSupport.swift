import IMAPProtocol
import NIOCore

/// Feeds `input` to a fresh command decoder in the chunks given by `cuts` (offsets where a
/// new read starts) and returns every event.
func commandEvents(_ input: [UInt8], cuts: [Int] = [], limits: IMAPLimits = IMAPLimits(),
                   encoding: IMAPTextEncoding = .imap4rev1, maxDiscarded: Int? = nil) -> [IMAPCommandEvent] {
    var decoder = IMAPCommandDecoder(limits: limits, encoding: encoding)
    decoder.setMaxDiscardedOctets(maxDiscarded)
    var buffer = ByteBuffer()
    var events: [IMAPCommandEvent] = []
    var start = 0
    for end in cuts.sorted() + [input.count] where end >= start {
        buffer.writeBytes(input[start..<end])
        start = end
        while let event = decoder.next(&buffer) { events.append(event) }
    }
    return events
}

func commandEvents(_ input: String, cuts: [Int] = [], limits: IMAPLimits = IMAPLimits(),
                   maxDiscarded: Int? = nil) -> [IMAPCommandEvent] {
    commandEvents(Array(input.utf8), cuts: cuts, limits: limits, maxDiscarded: maxDiscarded)
}

/// Frames with consecutive literal chunks merged, so that any split compares equal.
func frames(_ input: [UInt8], cuts: [Int], limits: IMAPLimits = IMAPLimits()) -> [IMAPFrame] {
    var decoder = IMAPFramingDecoder(limits: limits)
    var buffer = ByteBuffer()
    var out: [IMAPFrame] = []
    var start = 0
    for end in cuts.sorted() + [input.count] where end >= start {
        buffer.writeBytes(input[start..<end])
        start = end
        while let frame = decoder.next(&buffer) {
            if case .literalData(var chunk) = frame, case .literalData(var previous)? = out.last {
                previous.writeBuffer(&chunk)
                out[out.count - 1] = .literalData(previous)
            } else {
                out.append(frame)
            }
        }
    }
    return out
}

/// Parses one command line (no literals).
func parse(_ line: String, encoding: IMAPTextEncoding = .imap4rev1) throws -> IMAPCommand {
    try IMAPCommandParser(encoding: encoding).parse(IMAPCommandBytes(line)).command
}

func parseError(_ line: String) -> IMAPCommandError? {
    do {
        _ = try IMAPCommandParser().parse(IMAPCommandBytes(line))
        return nil
    } catch {
        return error
    }
}

func buffer(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

func encoded(_ response: IMAPResponse, encoding: IMAPTextEncoding = .imap4rev1) -> String {
    let buffer = IMAPResponseEncoder(encoding: encoding).encode(response)
    return String(buffer: buffer)
}

/// A small deterministic generator for random splits (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
