import NIOCore

/// A cursor over one command's bytes. Every octet read stops at a literal's position, so a
/// literal is only consumed where the grammar asks for a string (no backtracking: each rule
/// decides on the next octet or keyword).
struct GrammarParser {
    let text: [UInt8]
    let literals: [IMAPCommandBytes.Literal]
    let limits: IMAPLimits
    let encoding: IMAPTextEncoding
    var position = 0
    var nextLiteral = 0
    var depth = 0

    init(_ bytes: IMAPCommandBytes, limits: IMAPLimits, encoding: IMAPTextEncoding) {
        self.text = bytes.text
        self.literals = bytes.literals
        self.limits = limits
        self.encoding = encoding
    }

    /// True when a literal stands at the current position.
    var atLiteral: Bool {
        nextLiteral < literals.count && literals[nextLiteral].offset == position
    }

    /// The next octet, or nil at the end or at a literal.
    func peek() -> UInt8? {
        guard position < text.count, !atLiteral else { return nil }
        return text[position]
    }

    var atEnd: Bool { position == text.count && nextLiteral == literals.count }

    mutating func advance() { position += 1 }

    mutating func take() throws -> UInt8 {
        guard let b = peek() else { throw GrammarError("unexpected end of command") }
        position += 1
        return b
    }

    mutating func expect(_ byte: UInt8, _ what: String? = nil) throws {
        guard peek() == byte else {
            throw GrammarError("expected \(what ?? "\"" + String(UnicodeScalar(byte)) + "\"")")
        }
        position += 1
    }

    /// SP: exactly one space (RFC 9051 §9 note 2).
    mutating func sp() throws { try expect(UInt8(ascii: " "), "SP") }

    /// Consumes `byte` when it is next.
    mutating func skip(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        position += 1
        return true
    }

    mutating func end() throws {
        guard atEnd else {
            throw GrammarError(atLiteral ? "unexpected literal" : "unexpected characters at end of command")
        }
    }

    /// The literal at the current position.
    mutating func literal() throws -> IMAPCommandBytes.Literal {
        guard atLiteral else { throw GrammarError("expected literal") }
        defer { nextLiteral += 1 }
        return literals[nextLiteral]
    }

    /// Enters a nested list or search key; bounded by `maxNestingDepth`.
    mutating func nested<T>(_ body: (inout GrammarParser) throws -> T) throws -> T {
        depth += 1
        guard depth <= limits.maxNestingDepth else { throw GrammarError("nesting too deep", kind: .limitExceeded) }
        defer { depth -= 1 }
        return try body(&self)
    }

    /// A keyword: `1*ATOM-CHAR` uppercased, for dispatch. Letters, digits, ".", "-", "+", "=".
    mutating func keyword() throws -> String {
        let start = position
        while let b = peek(), Self.isAtomChar(b), b != UInt8(ascii: "[") , b != UInt8(ascii: "<") { position += 1 }
        guard position > start else { throw GrammarError("expected keyword") }
        return String(decoding: text[start..<position].map(asciiUpper), as: UTF8.self)
    }

    /// `1*DIGIT` as UInt64, bounded by `max`.
    mutating func digits(max: UInt64) throws -> UInt64 {
        var value: UInt64 = 0
        var count = 0
        while let b = peek(), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            guard !o1, !o2, s <= max else { throw GrammarError("number out of range") }
            value = s
            position += 1
            count += 1
        }
        guard count > 0 else { throw GrammarError("expected number") }
        return value
    }

    /// number = 1*DIGIT ; unsigned 32-bit
    mutating func number() throws -> UInt32 { UInt32(try digits(max: IMAPLimits.maxNumber)) }

    /// nz-number = digit-nz *DIGIT
    mutating func nzNumber() throws -> UInt32 {
        guard let b = peek(), b >= UInt8(ascii: "1"), b <= UInt8(ascii: "9") else { throw GrammarError("expected non-zero number") }
        return try number()
    }

    /// number64 = 1*DIGIT ; unsigned 63-bit
    mutating func number64() throws -> UInt64 { try digits(max: IMAPLimits.maxNumber64) }

    /// nz-number64 / mod-sequence-value = 1*DIGIT, 1 ... 2^63-1
    mutating func nzNumber64() throws -> UInt64 {
        let v = try number64()
        guard v > 0 else { throw GrammarError("expected non-zero number") }
        return v
    }

    /// `"(" item *(SP item) ")"` with at most `maxListElements` items; `allowEmpty` for `()`.
    mutating func parenthesized<T>(allowEmpty: Bool, _ item: (inout GrammarParser) throws -> T) throws -> [T] {
        try expect(UInt8(ascii: "("))
        return try nested { p in
            var items: [T] = []
            if p.skip(UInt8(ascii: ")")) {
                guard allowEmpty else { throw GrammarError("empty list") }
                return items
            }
            repeat {
                guard items.count < p.limits.maxListElements else { throw GrammarError("too many items", kind: .limitExceeded) }
                items.append(try item(&p))
            } while p.skip(UInt8(ascii: " "))
            try p.expect(UInt8(ascii: ")"))
            return items
        }
    }

    // MARK: character classes (RFC 9051 §9)

    /// ATOM-CHAR = <any CHAR except atom-specials>
    /// atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
    static func isAtomChar(_ b: UInt8) -> Bool {
        switch b {
        case 0...0x20, 0x7F...: return false
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "{"), UInt8(ascii: "%"), UInt8(ascii: "*"),
             UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "]"): return false
        default: return true
        }
    }

    /// ASTRING-CHAR = ATOM-CHAR / resp-specials
    static func isAstringChar(_ b: UInt8) -> Bool { isAtomChar(b) || b == UInt8(ascii: "]") }

    /// list-char = ATOM-CHAR / list-wildcards / resp-specials
    static func isListChar(_ b: UInt8) -> Bool {
        isAstringChar(b) || b == UInt8(ascii: "%") || b == UInt8(ascii: "*")
    }
}

@inline(__always) func asciiUpper(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte & ~0x20 : byte
}
