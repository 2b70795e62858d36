// SMTP (RFC 5321): the command grammar with its MAIL/RCPT parameters (RFC 1870, 6152, 3461,
// 4954, 6531, 3030) and the framing of command lines, DATA content and BDAT chunks.

import NIOCore
import SMTPProtocol

/// `smtp-command`: one command line (no CRLF) through `SMTPCommandParser`, with every
/// extension and with none, in and out of an SMTPUTF8 transaction.
enum SMTPCommandTarget {
    static let parsers = [
        SMTPCommandParser(extensions: .all),
        SMTPCommandParser(extensions: []),
        SMTPCommandParser(extensions: .all, limits: SMTPLimits(maxCommandLineLength: 512, maxPathLength: 256)),
    ]

    static func run(_ bytes: [UInt8]) {
        for parser in parsers {
            for utf8 in [false, true] {
                let fromArray = Result { () throws(SMTPError) in try parser.parse(bytes, smtpUTF8Transaction: utf8) }
                let fromBuffer = Result { () throws(SMTPError) in
                    try parser.parse(ByteBuffer(bytes: bytes), smtpUTF8Transaction: utf8)
                }
                // The two entry points are one grammar.
                precondition(fromArray == fromBuffer, "array and ByteBuffer parses differ")
                if case .success(let command) = fromArray { check(command) }
            }
        }
    }

    static func check(_ command: SMTPCommand) {
        precondition(command.keyword == command.keyword.uppercased())
        switch command {
        case .bdat(let size, _): precondition(size >= 0, "negative BDAT size")
        case .mail(_, let parameters): precondition((parameters.size ?? 0) >= 0, "negative SIZE")
        default: break
        }
    }
}

/// `smtp-framing`: the client stream through `SMTPFrameDecoder`, with the session's decisions
/// (DATA, BDAT, AUTH, STARTTLS) taken from the parsed lines, fed whole and drip-fed: the frames
/// must be the same (content and chunk pieces joined), and never hold more octets than came in.
enum SMTPFramingTarget {
    enum Event: Equatable {
        case line([UInt8]), lineTooLong, bareLineFeed, content([UInt8]), contentEnd(SMTPContentEnd)
        case chunk([UInt8]), chunkEnd(last: Bool)
    }

    static let parser = SMTPCommandParser(extensions: .all)
    static let dataLimit = 2048

    static func run(_ bytes: [UInt8]) {
        let whole = events(bytes, split: false)
        let dripped = events(bytes, split: true)
        Drip.expectSame(whole, dripped, "SMTP frames")
    }

    static func events(_ bytes: [UInt8], split: Bool) -> [Event] {
        var decoder = SMTPFrameDecoder(limits: SMTPLimits(maxCommandLineLength: 512, maxAuthLineLength: 12288))
        var events: [Event] = []
        var produced = 0
        _ = Drip.feed(bytes, split: split) { buffer in
            var steps = 0
            while let frame = decoder.decode(buffer: &buffer) {
                steps += 1
                precondition(steps <= Drip.stepLimit(bytes.count), "SMTPFrameDecoder does not progress")
                let event = record(frame, &produced)
                append(event, to: &events)
                if case .line(let line) = event { decide(line, &decoder, &buffer) }
            }
        }
        precondition(produced <= bytes.count, "frames hold more octets than the input")
        for case .content(let content) in events {
            precondition(content.count <= dataLimit, "DATA content produced past the size limit")
        }
        // Content of a DATA that never ended is discarded when the connection closes; how much
        // of it came out before the limit was passed follows the segmentation.
        if case .content = events.last { events.removeLast() }
        return events
    }

    static func record(_ frame: SMTPFrame, _ produced: inout Int) -> Event {
        switch frame {
        case .line(let line):
            produced += line.readableBytes + 2
            return .line(Array(line.readableBytesView))
        case .lineTooLong: return .lineTooLong
        case .bareLineFeed: return .bareLineFeed
        case .content(let piece):
            produced += piece.readableBytes
            return .content(Array(piece.readableBytesView))
        case .contentEnd(let end):
            precondition(end.octets >= 0)
            return .contentEnd(end)
        case .chunk(let piece):
            produced += piece.readableBytes
            return .chunk(Array(piece.readableBytesView))
        case .chunkEnd(let last): return .chunkEnd(last: last)
        }
    }

    /// Content and chunk pieces are joined: their boundaries follow the input's segmentation.
    /// Content that ends with a problem is discarded by the session, and how much of it was
    /// produced before the problem showed follows the segmentation too: it is dropped here.
    static func append(_ event: Event, to events: inout [Event]) {
        switch (events.last, event) {
        case (.content, .contentEnd(let end)) where end.problem != nil: events[events.count - 1] = event
        case (.content(let previous), .content(let more)): events[events.count - 1] = .content(previous + more)
        case (.chunk(let previous), .chunk(let more)): events[events.count - 1] = .chunk(previous + more)
        default: events.append(event)
        }
    }

    /// What SMTPSession does after a line: the decoder holds after DATA, BDAT and STARTTLS.
    static func decide(_ line: [UInt8], _ decoder: inout SMTPFrameDecoder, _ buffer: inout ByteBuffer) {
        let command = try? parser.parse(line)
        if case .auth(_, nil) = command { decoder.expectSASLResponse() }
        guard decoder.mode == .held else { return }
        switch command {
        case .data: decoder.beginData(maxSize: dataLimit)
        // An odd size is "refused": RFC 3030 §2 still reads and discards its octets.
        case .bdat(let size, let last): decoder.beginChunk(size: size, last: last, discard: size % 2 == 1)
        default: decoder.continueCommands()  // STARTTLS refused, or not the command it looked like
        }
    }
}

extension Result where Failure == SMTPError {
    init(_ body: () throws(SMTPError) -> Success) {
        do { self = .success(try body()) } catch { self = .failure(error) }
    }
}
