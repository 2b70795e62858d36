/// One lexical token of RFC 5228 §8.1.
public enum SieveTokenKind: Sendable, Equatable {
    case identifier(String)
    /// ":name" (RFC 5228 §8.1 tag), stored without the colon, lower-cased.
    case tag(String)
    case number(Int)
    case string(String)
    case punctuation(UInt8)
}

public struct SieveToken: Sendable, Equatable {
    public var kind: SieveTokenKind
    public var position: SievePosition
}

/// Splits a script into tokens (RFC 5228 §8.1), skipping white space and both comment forms.
/// Bounded: the script size and each string's length are checked against `SieveLimits`.
struct SieveLexer {
    private let bytes: [UInt8]
    private let limits: SieveLimits
    private var index = 0
    private var line = 1
    private var column = 1

    init(_ source: [UInt8], limits: SieveLimits) {
        self.bytes = source
        self.limits = limits
    }

    var position: SievePosition { SievePosition(line: line, column: column) }

    mutating func tokens() throws(SieveCompileError) -> [SieveToken] {
        guard bytes.count <= limits.maxScriptSize else {
            throw SieveCompileError("script is \(bytes.count) octets, more than the limit of \(limits.maxScriptSize)", at: position)
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            // RFC 5228 §2.2: scripts are UTF-8.
            throw SieveCompileError("script is not valid UTF-8", at: position)
        }
        var result: [SieveToken] = []
        while true {
            try skipWhiteSpaceAndComments()
            guard index < bytes.count else { return result }
            result.append(try next())
            guard result.count <= limits.maxCommands * 16 else {
                throw SieveCompileError("script has too many tokens", at: position)
            }
        }
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    private func peek(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

    // white-space = 1*(SP / CRLF / HTAB) / comment; comment = bracket-comment / hash-comment
    private mutating func skipWhiteSpaceAndComments() throws(SieveCompileError) {
        while let byte = current {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): advance()
            case UInt8(ascii: "#"):
                while let c = current, c != UInt8(ascii: "\n") { advance() }
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                let start = position
                advance(); advance()
                while true {
                    guard current != nil else { throw SieveCompileError("unterminated /* comment", at: start) }
                    if current == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") { advance(); advance(); break }
                    advance()
                }
            default: return
            }
        }
    }

    private mutating func next() throws(SieveCompileError) -> SieveToken {
        let start = position
        let byte = bytes[index]
        if isAlpha(byte) || byte == UInt8(ascii: "_") {
            let word = identifier()
            if word.lowercased() == "text", current == UInt8(ascii: ":") {
                advance()
                return SieveToken(kind: .string(try multiLine(start)), position: start)
            }
            return SieveToken(kind: .identifier(word.lowercased()), position: start)
        }
        switch byte {
        case UInt8(ascii: ":"):
            advance()
            guard let c = current, isAlpha(c) || c == UInt8(ascii: "_") else { throw SieveCompileError("':' must start a tag", at: start) }
            return SieveToken(kind: .tag(identifier().lowercased()), position: start)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return SieveToken(kind: .number(try number(start)), position: start)
        case UInt8(ascii: "\""):
            return SieveToken(kind: .string(try quoted(start)), position: start)
        case UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"):
            advance()
            return SieveToken(kind: .punctuation(byte), position: start)
        default:
            throw SieveCompileError("unexpected character '\(Unicode.Scalar(byte))'", at: start)
        }
    }

    private func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }

    // identifier = (ALPHA / "_") *(ALPHA / DIGIT / "_")
    private mutating func identifier() -> String {
        var word: [UInt8] = []
        while let c = current, isAlpha(c) || c == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) {
            word.append(c)
            advance()
        }
        return String(decoding: word, as: UTF8.self)
    }

    // number = 1*DIGIT [ QUANTIFIER ]; QUANTIFIER = "K" / "M" / "G" (RFC 5228 §2.4.1)
    private mutating func number(_ start: SievePosition) throws(SieveCompileError) -> Int {
        var value = 0
        while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) {
            let (product, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow, product <= Int(UInt32.max) else { throw SieveCompileError("number too large", at: start) }
            value = product + Int(c - UInt8(ascii: "0"))
            advance()
        }
        let scale: Int? = switch current.map({ $0 | 0x20 }) {
        case UInt8(ascii: "k"): 1 << 10
        case UInt8(ascii: "m"): 1 << 20
        case UInt8(ascii: "g"): 1 << 30
        default: nil
        }
        if let scale {
            advance()
            value *= scale
        }
        // RFC 5228 §2.4.1: implementations must support at least 2^31 - 1... we hold 2^32 - 1 at most.
        guard value <= Int(UInt32.max) else { throw SieveCompileError("number too large", at: start) }
        return value
    }

    // quoted-string = DQUOTE quoted-text DQUOTE; "\" escapes the next character (RFC 5228 §2.4.2)
    private mutating func quoted(_ start: SievePosition) throws(SieveCompileError) -> String {
        advance()
        var text: [UInt8] = []
        while true {
            guard let c = current else { throw SieveCompileError("unterminated string", at: start) }
            advance()
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                guard let escaped = current else { throw SieveCompileError("unterminated string", at: start) }
                text.append(escaped)
                advance()
            } else {
                text.append(c)
            }
            guard text.count <= limits.maxStringLength else { throw tooLong(start) }
        }
        return String(decoding: text, as: UTF8.self)
    }

    // multi-line = "text:" *(SP / HTAB) (hash-comment / CRLF) *(multiline-literal / multiline-dotstart) "." CRLF
    private mutating func multiLine(_ start: SievePosition) throws(SieveCompileError) -> String {
        while let c = current, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { advance() }
        if current == UInt8(ascii: "#") { while let c = current, c != UInt8(ascii: "\n") { advance() } }
        if current == UInt8(ascii: "\r") { advance() }
        guard current == UInt8(ascii: "\n") else { throw SieveCompileError("text: must be followed by a line break", at: start) }
        advance()
        var text: [UInt8] = []
        while true {
            guard current != nil else { throw SieveCompileError("text: without a terminating '.' line", at: start) }
            var lineBytes: [UInt8] = []
            while let c = current, c != UInt8(ascii: "\n") { lineBytes.append(c); advance() }
            if current != nil { advance() }
            if lineBytes.last == UInt8(ascii: "\r") { lineBytes.removeLast() }
            if lineBytes == [UInt8(ascii: ".")] { break }
            // RFC 5228 §2.4.2: a leading "." is doubled (dot-stuffing) and undone here.
            if lineBytes.starts(with: [UInt8(ascii: "."), UInt8(ascii: ".")]) { lineBytes.removeFirst() }
            text += lineBytes + [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
            guard text.count <= limits.maxStringLength else { throw tooLong(start) }
        }
        return String(decoding: text, as: UTF8.self)
    }

    private func tooLong(_ start: SievePosition) -> SieveCompileError {
        SieveCompileError("string longer than the limit of \(limits.maxStringLength) octets", at: start)
    }
}
