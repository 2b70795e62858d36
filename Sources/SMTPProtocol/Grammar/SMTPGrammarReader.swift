/// A forward-only cursor over one command line. Each grammar rule reads what it needs or throws;
/// no rule rewinds another's input (dispatch on the first keyword, no backtracking), except for
/// the bounded look-ahead in IPv6 literals.
struct SMTPGrammarReader {
    let bytes: [UInt8]
    var index: Int = 0
    /// Non-ASCII (UTF8-non-ascii) is allowed in atext, qtextSMTP, sub-domains and esmtp-values
    /// (RFC 6531 §3.3); otherwise such a byte is a syntax error.
    var utf8Allowed: Bool
    /// Set when a UTF-8 byte was read under `utf8Allowed`.
    var sawNonASCII = false

    init(_ bytes: [UInt8], utf8Allowed: Bool = false) {
        self.bytes = bytes
        self.utf8Allowed = utf8Allowed
    }

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { atEnd ? nil : bytes[index] }
    var rest: ArraySlice<UInt8> { bytes[index...] }

    mutating func take() -> UInt8? {
        guard let byte = peek else { return nil }
        index += 1
        return byte
    }

    /// Consumes `byte` if it is next.
    mutating func skip(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// Consumes `text` (ASCII, any case) if it is next.
    mutating func skip(caseInsensitive text: String) -> Bool {
        let wanted = Array(text.utf8)
        guard bytes.count - index >= wanted.count else { return false }
        for offset in wanted.indices where Self.lower(bytes[index + offset]) != Self.lower(wanted[offset]) {
            return false
        }
        index += wanted.count
        return true
    }

    mutating func expect(_ byte: UInt8, _ error: SMTPError) throws(SMTPError) {
        guard skip(byte) else { throw error }
    }

    /// Consumes bytes while `predicate` holds and returns them.
    mutating func take(while predicate: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        let start = index
        while let byte = peek, predicate(byte) { index += 1 }
        return bytes[start..<index]
    }

    /// Skips one or more SP; false when there is none.
    mutating func skipSpaces() -> Bool {
        !take(while: { $0 == UInt8(ascii: " ") }).isEmpty
    }

    /// One UTF8-non-ascii character (RFC 6532 §3.1), when allowed. Well-formedness of the whole
    /// value is checked by `SMTPGrammarReader.string(_:)`.
    mutating func takeUTF8NonASCII() -> Bool {
        guard utf8Allowed, let byte = peek, byte >= 0x80 else { return false }
        index += 1
        sawNonASCII = true
        return true
    }

    static func lower(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    static func isAlpha(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
    }

    static func isDigit(_ b: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) }

    static func isHexDigit(_ b: UInt8) -> Bool {
        isDigit(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(b)
    }

    /// The bytes as a String, or nil when they are not well-formed UTF-8 (overlong forms,
    /// surrogates and truncated sequences included: decoding would have repaired them).
    static func string(_ bytes: some Collection<UInt8>) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.utf8.elementsEqual(bytes) ? text : nil
    }

    /// 1*DIGIT as an Int, nil when empty or longer than `maxDigits`; over Int.max it is nil, or
    /// Int.max when `saturating` (a SIZE larger than anything is simply too large).
    mutating func number(maxDigits: Int, saturating: Bool = false) -> Int? {
        let digits = take(while: Self.isDigit)
        guard !digits.isEmpty, digits.count <= maxDigits else { return nil }
        var value = 0
        for digit in digits {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            guard !o1, !o2 else { return saturating ? Int.max : nil }
            value = sum
        }
        return value
    }
}
