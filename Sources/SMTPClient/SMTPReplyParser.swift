import NIOCore
import SMTPProtocol

/// Splits the bytes a server sends into replies (RFC 5321 §4.2), with limits on line length and
/// line count. Pure: fed ByteBuffers, no socket.
///
///     reply-line = *( Reply-code "-" [ textstring ] CRLF )
///                  Reply-code [ SP textstring ] CRLF
///     Reply-code = %x32-35 %x30-35 %x30-39
///     textstring = 1*(%d09 / %d32-126)              (RFC 5321 §4.2)
///
/// Leniency, as deployed clients do it: a line may end in a bare LF (the CR is optional), and
/// text may hold UTF-8 (RFC 6531 §3.7.4.3 servers send it). Controls in text become spaces.
struct SMTPReplyParser {
    struct Failure: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    let maxLineLength: Int
    let maxLines: Int
    private var code: Int?
    private var lines: [String] = []

    init(maxLineLength: Int, maxLines: Int) {
        self.maxLineLength = max(maxLineLength, 8)
        self.maxLines = max(maxLines, 1)
    }

    /// True while part of a multi-line reply has been read.
    var isInsideReply: Bool { code != nil }

    /// The next complete reply, consuming its lines from `buffer`; nil when more bytes are needed.
    mutating func next(from buffer: inout ByteBuffer) throws(Failure) -> SMTPClientReply? {
        while true {
            let view = buffer.readableBytesView
            guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
                if view.count >= maxLineLength { throw Failure(description: "reply line longer than \(maxLineLength) octets") }
                return nil
            }
            let length = newline - view.startIndex + 1
            if length > maxLineLength { throw Failure(description: "reply line longer than \(maxLineLength) octets") }
            var line = Array(view[view.startIndex..<newline])
            buffer.moveReaderIndex(forwardBy: length)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if let reply = try consume(line) { return reply }
        }
    }

    private mutating func consume(_ line: [UInt8]) throws(Failure) -> SMTPClientReply? {
        guard line.count >= 3,
              (UInt8(ascii: "2")...UInt8(ascii: "5")).contains(line[0]),
              (UInt8(ascii: "0")...UInt8(ascii: "5")).contains(line[1]),
              (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[2])
        else {
            throw Failure(description: "malformed reply line \(Self.printable(line))")
        }
        let lineCode = Int(line[0] - 48) * 100 + Int(line[1] - 48) * 10 + Int(line[2] - 48)
        let isLast: Bool
        switch line.count > 3 ? line[3] : nil {
        case nil, UInt8(ascii: " "): isLast = true
        case UInt8(ascii: "-"): isLast = false
        default: throw Failure(description: "malformed reply line \(Self.printable(line))")
        }
        if let code, code != lineCode {
            throw Failure(description: "reply code changed from \(code) to \(lineCode) inside a multi-line reply")
        }
        if lines.count >= maxLines { throw Failure(description: "reply longer than \(maxLines) lines") }
        code = lineCode
        lines.append(Self.text(line.dropFirst(4)))
        guard isLast else { return nil }
        defer { code = nil; lines = [] }
        return Self.reply(code: lineCode, lines: lines)
    }

    /// Splits the enhanced code off every line that starts with it (RFC 2034 §4: each line of a
    /// 2xx/4xx/5xx reply carries the same code; 3xx replies carry none). Only a code whose class
    /// agrees with the reply code counts, so text like "1.2.3 is a version" is left alone.
    static func reply(code: Int, lines: [String]) -> SMTPClientReply {
        guard code / 100 != 3, let first = lines.first, let enhanced = enhancedCode(in: first, replyCode: code) else {
            return SMTPClientReply(code: code, lines: lines)
        }
        let stripped = lines.map { line -> String in
            guard line.hasPrefix(enhanced) else { return line }
            return String(line.dropFirst(enhanced.count).drop(while: { $0 == " " }))
        }
        return SMTPClientReply(code: code, enhancedCode: enhanced, lines: stripped)
    }

    private static func enhancedCode(in text: String, replyCode: Int) -> String? {
        let token = text.prefix(while: { $0 != " " })
        guard let parsed = SMTPEnhancedStatusCode(String(token)), parsed.statusClass == replyCode / 100 else { return nil }
        return String(token)
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        let cleaned = bytes.map { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F ? UInt8(ascii: " ") : $0 }
        return String(decoding: cleaned, as: UTF8.self)
    }

    private static func printable(_ line: [UInt8]) -> String {
        let shown = line.prefix(40).map { (0x20...0x7E).contains($0) ? Character(UnicodeScalar($0)) : "?" }
        return "\"" + String(shown) + (line.count > 40 ? "…" : "") + "\""
    }
}
