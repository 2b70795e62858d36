// POP3 (RFC 1939, RFC 2449, RFC 5034): line framing and the command grammar.

import NIOCore
import POP3Protocol

/// `pop3`: the client stream through `POP3LineDecoder` (whole and drip-fed: same lines), each
/// line through `POP3Parser`.
enum POP3Target {
    enum Event: Equatable {
        case line(String, Result<POP3Command, POP3ParseError>)
        case tooLong
    }

    static func run(_ bytes: [UInt8]) {
        let whole = events(bytes, split: false)
        let dripped = events(bytes, split: true)
        Drip.expectSame(whole, dripped, "POP3 lines")
    }

    static func events(_ bytes: [UInt8], split: Bool) -> [Event] {
        var decoder = POP3LineDecoder(maxLineLength: POP3Limits.minimumLineLength)
        var events: [Event] = []
        _ = Drip.feed(bytes, split: split) { buffer in
            var steps = 0
            while let line = try? decoder.nextLine(&buffer) {
                steps += 1
                precondition(steps <= Drip.stepLimit(bytes.count), "POP3LineDecoder does not progress")
                switch line {
                case .line(let text):
                    precondition(text.utf8.count <= 4 * POP3Limits.minimumLineLength)
                    events.append(.line(text, parse(text)))
                case .tooLong:
                    events.append(.tooLong)
                }
            }
        }
        return events
    }

    static func parse(_ text: String) -> Result<POP3Command, POP3ParseError> {
        do { return .success(try POP3Parser.parse(text)) } catch { return .failure(error) }
    }
}
