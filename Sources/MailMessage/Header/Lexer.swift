// Lexical tokens of structured header fields (RFC 5322 §3.2), tolerant of 8-bit text (RFC 6532).

struct Token: Equatable {
    enum Kind: Equatable {
        /// atext run; also a whole RFC 2047 encoded-word even when it holds specials
        case atom
        /// quoted-string; `bytes` holds the content with quoted-pairs resolved
        case quoted
        /// domain-literal including the brackets
        case domainLiteral
        /// one special character: ( ) < > [ ] : ; @ \ , . "
        case special(UInt8)
    }
    var kind: Kind
    var bytes: [UInt8]
    /// Whether CFWS came before this token.
    var spaceBefore: Bool

    func isSpecial(_ c: UInt8) -> Bool { kind == .special(c) }
    var isWord: Bool { kind == .atom || kind == .quoted }
    var isEncodedWord: Bool { kind == .atom && bytes.starts(with: [ASCII.equals, ASCII.question]) && bytes.count >= 8 }
}

struct Lexed {
    var tokens: [Token]
    /// Every comment in order: its content, and the index in `tokens` of the token that follows
    /// it (`tokens.count` at the end). `user@host (Real Name)` names its mailbox this way.
    var comments: [(before: Int, content: [UInt8])]
}

enum Lexer {
    /// atext = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "/" / "=" / "?" /
    ///         "^" / "_" / "`" / "{" / "|" / "}" / "~"            ; RFC 5322 §3.2.3
    /// plus UTF8-non-ascii (RFC 6532 §3.2) and, tolerated, any other 8-bit byte.
    static func isAtext(_ c: UInt8) -> Bool {
        if c >= 0x80 { return true }
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"),
             UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"),
             UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"): return true
        default: return false
        }
    }

    /// Splits an unfolded structured value into tokens, dropping CFWS but remembering it.
    /// quoted-string = [CFWS] DQUOTE *([FWS] qcontent) [FWS] DQUOTE [CFWS]     ; §3.2.4
    /// comment       = "(" *([FWS] ccontent) [FWS] ")"                        ; §3.2.2
    /// domain-literal = [CFWS] "[" *([FWS] dtext) [FWS] "]" [CFWS]            ; §3.4.1
    static func lex<C: Collection>(_ value: C) -> Lexed where C.Element == UInt8 {
        let b = Array(value)
        var tokens: [Token] = []
        var comments: [(before: Int, content: [UInt8])] = []
        var space = false
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if ASCII.isWhitespace(c) { space = true; i += 1; continue }
            switch c {
            case ASCII.openParen:
                var depth = 0
                var content: [UInt8] = []
                while i < n {
                    let d = b[i]
                    if d == ASCII.backslash, i + 1 < n { content.append(b[i + 1]); i += 2; continue }
                    if d == ASCII.openParen { depth += 1; if depth > 1 { content.append(d) } } else if d == ASCII.closeParen {
                        depth -= 1
                        if depth == 0 { i += 1; break }
                        content.append(d)
                    } else { content.append(d) }
                    i += 1
                }
                comments.append((tokens.count, content))
                space = true
            case ASCII.quote:
                var content: [UInt8] = []
                i += 1
                while i < n, b[i] != ASCII.quote {
                    if b[i] == ASCII.backslash, i + 1 < n { content.append(b[i + 1]); i += 2; continue }
                    if b[i] != ASCII.cr && b[i] != ASCII.lf { content.append(b[i]) }
                    i += 1
                }
                i += 1
                tokens.append(Token(kind: .quoted, bytes: content, spaceBefore: space))
                space = false
            case ASCII.openBracket:
                let start = i
                while i < n, b[i] != ASCII.closeBracket {
                    if b[i] == ASCII.backslash { i += 1 }
                    i += 1
                }
                i = min(i + 1, n)
                tokens.append(Token(kind: .domainLiteral, bytes: Array(b[start..<i]), spaceBefore: space))
                space = false
            default:
                if c == ASCII.equals, i + 1 < n, b[i + 1] == ASCII.question, let word = EncodedWord.parse(b, at: i, end: n) {
                    tokens.append(Token(kind: .atom, bytes: Array(b[i..<word.end]), spaceBefore: space))
                    i = word.end
                } else if isAtext(c) {
                    let start = i
                    while i < n, isAtext(b[i]) { i += 1 }
                    tokens.append(Token(kind: .atom, bytes: Array(b[start..<i]), spaceBefore: space))
                } else {
                    tokens.append(Token(kind: .special(c), bytes: [c], spaceBefore: space))
                    i += 1
                }
                space = false
            }
        }
        return Lexed(tokens: tokens, comments: comments)
    }
}

/// Turns a run of phrase tokens (words and obs-phrase dots) into text.
enum Phrase {
    /// phrase = 1*word / obs-phrase ; obs-phrase = word *(word / "." / CFWS)     ; RFC 5322 §3.2.5, §4.1
    /// Decoded text: encoded-words decoded (also inside quoted strings, as clients do), adjacent
    /// encoded-words joined without the space between them (RFC 2047 §6.2).
    static func decode(_ tokens: ArraySlice<Token>, fallbackCharset: String?) -> String {
        var acc = EncodedWordAccumulator(fallbackCharset: fallbackCharset)
        var previousWasEncoded = false
        for (k, t) in tokens.enumerated() {
            let isEW = t.isEncodedWord
            if k > 0 && t.spaceBefore && !(isEW && previousWasEncoded) { acc.appendLiteral([ASCII.space]) }
            switch t.kind {
            case .atom where isEW:
                if let w = EncodedWord.parse(t.bytes, at: 0, end: t.bytes.count) { acc.appendWord(w) } else { acc.appendLiteral(t.bytes) }
            case .quoted:
                if t.bytes.contains(ASCII.equals) {
                    acc.appendLiteral(RFC2047.decodeUnstructured(t.bytes, fallbackCharset: fallbackCharset))
                } else {
                    acc.appendLiteral(t.bytes)
                }
            default:
                acc.appendLiteral(t.bytes)
            }
            previousWasEncoded = isEW
        }
        return acc.finish()
    }

    /// Raw text: quoting removed, encoded-words left as they are (IMAP addr-name, RFC 9051 §7.5.2).
    static func raw(_ tokens: ArraySlice<Token>) -> [UInt8] {
        var out: [UInt8] = []
        for (k, t) in tokens.enumerated() {
            if k > 0 && t.spaceBefore { out.append(ASCII.space) }
            out += t.bytes
        }
        return out
    }
}
