import NIOCore
import SMTPProtocol

/// What a session sees from the decoder, with consecutive content and chunk pieces joined so
/// that results can be compared across different read splits.
enum Event: Equatable, CustomStringConvertible {
    case line(String)
    case lineTooLong
    case bareLineFeed
    case content(String)
    case contentEnd(octets: Int, problem: SMTPContentEnd.Problem?)
    case chunk(String)
    case chunkEnd(last: Bool)

    var description: String {
        switch self {
        case .line(let text): "line(\(text.debugDescription))"
        case .lineTooLong: "lineTooLong"
        case .bareLineFeed: "bareLineFeed"
        case .content(let text): "content(\(text.debugDescription))"
        case .contentEnd(let octets, let problem): "contentEnd(\(octets), \(problem.map { "\($0)" } ?? "ok"))"
        case .chunk(let text): "chunk(\(text.debugDescription))"
        case .chunkEnd(let last): "chunkEnd(last: \(last))"
        }
    }
}

/// A deterministic generator for random splits (xorshift64*), so failures can be replayed.
struct SplitRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}

enum Feeds {
    /// The ways an input is cut into reads: all at once, one byte at a time, every split into
    /// two reads (so each CR and its LF arrive apart somewhere), and seeded random splits.
    static func all(_ input: [UInt8], randomRounds: Int = 40) -> [(String, [[UInt8]])] {
        var feeds: [(String, [[UInt8]])] = [("all at once", [input]), ("one byte at a time", input.map { [$0] })]
        if input.count <= 600 {
            for cut in 1..<max(input.count, 1) {
                feeds.append(("split at \(cut)", [Array(input[..<cut]), Array(input[cut...])]))
            }
        }
        for seed in 1...UInt64(randomRounds) {
            var random = SplitRandom(seed: seed)
            var chunks: [[UInt8]] = []
            var start = 0
            while start < input.count {
                let length = Int.random(in: 1...max(1, min(17, input.count - start)), using: &random)
                chunks.append(Array(input[start..<start + length]))
                start += length
            }
            feeds.append(("random seed \(seed)", chunks))
        }
        return feeds
    }
}

/// A minimal session: reacts to DATA, BDAT and STARTTLS the way the server will, so that the
/// decoder's mode switches can be driven from a transcript.
struct ScriptedSession {
    var decoder: SMTPFrameDecoder
    var buffer = ByteBuffer()
    var events: [Event] = []
    /// DATA is refused (503) instead of accepted with 354.
    var refuseData = false
    /// BDAT chunks are discarded (a refused BDAT still carries its data, RFC 3030 §2).
    var discardChunks = false
    var dataMaxSize: Int?
    /// The bytes of the content or chunk being joined (joined as bytes: a piece may end inside a
    /// UTF-8 sequence).
    private var pending: [UInt8] = []

    init(limits: SMTPLimits = SMTPLimits()) {
        decoder = SMTPFrameDecoder(limits: limits)
    }

    mutating func feed(_ bytes: [UInt8]) {
        buffer.writeBytes(bytes)
        while let frame = decoder.decode(buffer: &buffer) {
            record(frame)
        }
    }

    private mutating func record(_ frame: SMTPFrame) {
        switch frame {
        case .line(let line):
            let text = String(buffer: line)
            events.append(.line(text))
            react(to: line)
        case .lineTooLong: events.append(.lineTooLong)
        case .bareLineFeed: events.append(.bareLineFeed)
        case .content(let piece):
            if case .content = events.last { events.removeLast() } else { pending = [] }
            pending += piece.readableBytesView
            events.append(.content(String(decoding: pending, as: UTF8.self)))
        case .contentEnd(let end): events.append(.contentEnd(octets: end.octets, problem: end.problem))
        case .chunk(let piece):
            if case .chunk = events.last { events.removeLast() } else { pending = [] }
            pending += piece.readableBytesView
            events.append(.chunk(String(decoding: pending, as: UTF8.self)))
        case .chunkEnd(let last): events.append(.chunkEnd(last: last))
        }
    }

    private mutating func react(to line: ByteBuffer) {
        let parser = SMTPCommandParser(extensions: .all)
        switch try? parser.parse(line) {
        case .data?:
            if refuseData { decoder.continueCommands() } else { decoder.beginData(maxSize: dataMaxSize) }
        case .bdat(let size, let last)?:
            decoder.beginChunk(size: size, last: last, discard: discardChunks)
        default:
            decoder.continueCommands()
        }
    }

    /// Runs `input` through every feed and returns the transcript, requiring all feeds to agree
    /// (on everything but the content when `compareContent` is false: how much content comes out
    /// before a problem is found depends on the reads).
    static func transcript(
        _ input: String, limits: SMTPLimits = SMTPLimits(), compareContent: Bool = true,
        configure: (inout ScriptedSession) -> Void = { _ in }
    ) -> (events: [Event], disagreements: [String]) {
        var reference: [Event]?
        var disagreements: [String] = []
        for (name, chunks) in Feeds.all(Array(input.utf8)) {
            var session = ScriptedSession(limits: limits)
            configure(&session)
            for chunk in chunks { session.feed(chunk) }
            if !compareContent { session.events.removeAll { if case .content = $0 { true } else { false } } }
            if let reference, reference != session.events {
                disagreements.append("\(name): \(String(describing: session.events).prefix(400)) != \(String(describing: reference).prefix(400))")
            }
            reference = reference ?? session.events
        }
        return (reference ?? [], disagreements)
    }
}
