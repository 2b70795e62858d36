// ManageSieve (RFC 5804): command framing with literals and the command grammar.

import ManageSieveProtocol
import NIOCore

/// `managesieve`: the client stream through `ManageSieveFrameDecoder` (whole and drip-fed: the
/// same inputs), each framed command through `ManageSieveParser`. Invariants: no frame holds a
/// line over the line limit or a literal over the literal limit, and a parsed PUTSCRIPT's
/// script is exactly a literal's or a quoted string's content (never more than the limit).
enum ManageSieveTarget {
    static let lineLimit = ManageSieveLimits.minimumLineLength
    static let literalLimit = 1024

    enum Event: Equatable {
        case command(Result<ManageSieveCommand, ManageSieveParseError>)
        case refused(ManageSieveInput)
    }

    static func run(_ bytes: [UInt8]) {
        let whole = events(bytes, split: false)
        let dripped = events(bytes, split: true)
        Drip.expectSame(whole, dripped, "ManageSieve commands")
    }

    static func events(_ bytes: [UInt8], split: Bool) -> [Event] {
        var decoder = ManageSieveFrameDecoder(maxLineLength: lineLimit, maxLiteralSize: literalLimit)
        var events: [Event] = []
        _ = Drip.feed(bytes, split: split) { buffer in
            var steps = 0
            while let input = decoder.next(&buffer) {
                steps += 1
                precondition(steps <= Drip.stepLimit(bytes.count), "ManageSieveFrameDecoder does not progress")
                guard case .command(let frame) = input else {
                    events.append(.refused(input))
                    continue
                }
                precondition(frame.pieces.count <= 2 * ManageSieveLimits.maxLiteralsPerCommand + 1, "too many pieces")
                for piece in frame.pieces {
                    switch piece {
                    case .text(let line): precondition(line.count <= lineLimit, "a line over the limit was framed")
                    case .literal(let octets): precondition(octets.count <= literalLimit, "a literal over the limit was framed")
                    }
                }
                let parsed = parse(frame)
                if case .success(.putScript(_, let script)) = parsed {
                    precondition(script.utf8.count <= max(literalLimit, ManageSieveLimits.maxQuotedLength))
                }
                _ = try? ManageSieveParser.saslResponse(frame)
                events.append(.command(parsed))
            }
            precondition(decoder.assembledOctets <= 4 * (lineLimit + literalLimit) + lineLimit, "the decoder holds too much")
        }
        return events
    }

    static func parse(_ frame: ManageSieveFrame) -> Result<ManageSieveCommand, ManageSieveParseError> {
        do { return .success(try ManageSieveParser.parse(frame)) } catch { return .failure(error) }
    }
}
