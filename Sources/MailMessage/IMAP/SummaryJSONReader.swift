// Reading the stored form of a summary by hand: a pull reader over JSON text (RFC 8259) that the
// schema code (MessageSummary+JSONRead.swift) walks member by member. Foundation's JSONDecoder
// builds a tree of boxed values and then decodes it through Codable's keyed containers; for the
// summaries of a 100-message mailbox that was 11% of the IMAP server's CPU in the mixed
// workload (docs/PERFORMANCE.md, issue 24). No JSON library that decodes without that tree is
// available to this package, so this reader is hand-written; it accepts exactly RFC 8259 JSON
// text and is tested against JSONDecoder on every corpus message (MessageSummaryJSONTests).
// The writer is SummaryJSONWriter (MessageSummary+JSON.swift).

/// Why a stored form did not read: the caller only learns "not a stored summary" (nil).
struct SummaryJSONError: Error {}

struct SummaryJSONReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    /// Objects and arrays open around the current value; bounded so that a hostile or broken
    /// row cannot recurse the stack away. Summaries nest about four levels per MIME level and
    /// MessageLimits allows 64 MIME levels by default (about 260 here); a deeper summary reads
    /// as none, as an undecodable one did with JSONDecoder (FETCH then parses the body:
    /// StoredSummary.summary(of:body:)).
    private var depth = 0
    static let maxDepth = 512

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Runs `read` over `bytes` and insists that only whitespace follows the value it read.
    static func read<T>(_ bytes: UnsafeBufferPointer<UInt8>, _ read: (inout SummaryJSONReader) throws -> T) throws -> T {
        var reader = SummaryJSONReader(bytes)
        let value = try read(&reader)
        reader.skipWhitespace()
        guard reader.index == bytes.count else { throw SummaryJSONError() }
        return value
    }

    // MARK: structure

    /// RFC 8259 §4: `{ "key": value, ... }`; `member` is called with each key and must read
    /// that member's value (or `skipValue()` it). Unknown keys are the caller's to skip, as
    /// JSONDecoder ignores them.
    mutating func object(_ member: (inout SummaryJSONReader, String) throws -> Void) throws {
        try open(UInt8(ascii: "{"))
        defer { depth -= 1 }
        if try closes(UInt8(ascii: "}")) { return }
        repeat {
            skipWhitespace()
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try member(&self, key)
        } while try !closes(UInt8(ascii: "}"), orComma: true)
    }

    /// RFC 8259 §5: `[ value, ... ]`; `element` reads one value each time it is called.
    mutating func array<T>(_ element: (inout SummaryJSONReader) throws -> T) throws -> [T] {
        try open(UInt8(ascii: "["))
        defer { depth -= 1 }
        var out: [T] = []
        if try closes(UInt8(ascii: "]")) { return out }
        repeat {
            out.append(try element(&self))
        } while try !closes(UInt8(ascii: "]"), orComma: true)
        return out
    }

    private mutating func open(_ bracket: UInt8) throws {
        try expect(bracket)
        depth += 1
        guard depth <= Self.maxDepth else { throw SummaryJSONError() }
    }

    /// True (consumed) when the next token is `bracket`; with `orComma`, a comma is consumed and
    /// false returned, and anything else is an error.
    private mutating func closes(_ bracket: UInt8, orComma: Bool = false) throws -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw SummaryJSONError() }
        if bytes[index] == bracket { index += 1; return true }
        guard orComma else { return false }
        guard bytes[index] == UInt8(ascii: ",") else { throw SummaryJSONError() }
        index += 1
        return false
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { throw SummaryJSONError() }
        index += 1
    }

    /// RFC 8259 §2: space, horizontal tab, line feed, carriage return.
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    // MARK: values

    /// `null` consumed when it comes next (an optional member given as null reads as nil, as
    /// with JSONDecoder's decodeIfPresent).
    mutating func null() -> Bool {
        skipWhitespace()
        return literal("null")
    }

    mutating func bool() throws -> Bool {
        skipWhitespace()
        if literal("true") { return true }
        if literal("false") { return false }
        throw SummaryJSONError()
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] { return false }
        index += count
        return true
    }

    /// An integer: RFC 8259 §6 `-? int` without fraction or exponent (what the writer writes
    /// for Int fields), within Int's range.
    mutating func int() throws -> Int {
        let (start, end, integral) = try number()
        guard integral else { throw SummaryJSONError() }
        var value = 0
        let negative = bytes[start] == UInt8(ascii: "-")
        for i in (negative ? start + 1 : start)..<end {
            let digit = Int(bytes[i] &- UInt8(ascii: "0"))
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !o1, !o2 else { throw SummaryJSONError() }
            value = next
        }
        return value
    }

    /// Any RFC 8259 §6 number as a Double (dates are seconds since 1970 with a fraction).
    mutating func double() throws -> Double {
        let (start, end, _) = try number()
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw SummaryJSONError() }
        return value
    }

    /// RFC 8259 §6: `[ minus ] int [ frac ] [ exp ]`, int without leading zeros. Returns the
    /// number's bounds and whether it had neither fraction nor exponent.
    private mutating func number() throws -> (start: Int, end: Int, integral: Bool) {
        skipWhitespace()
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw SummaryJSONError() }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        var integral = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw SummaryJSONError() }
            skipDigits(); integral = false
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw SummaryJSONError() }
            skipDigits(); integral = false
        }
        return (start, index, integral)
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
    private mutating func skipDigits() { while index < bytes.count, isDigit(bytes[index]) { index += 1 } }

    /// RFC 8259 §7: a string; escapes decoded (`\u` and four hex digits, surrogate pairs joined), control
    /// characters refused, the rest taken as UTF-8 (§8.1). Unpaired surrogates become U+FFFD.
    mutating func string() throws -> String {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw SummaryJSONError() }
        index += 1
        let start = index
        while index < bytes.count {  // the common case: no escape, one copy
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") { break }
            guard b >= 0x20 else { throw SummaryJSONError() }
            index += 1
        }
        var out = Array(bytes[start..<index])
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            switch b {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"): try escape(into: &out)
            case ..<0x20: throw SummaryJSONError()
            default: out.append(b)
            }
        }
        throw SummaryJSONError()
    }

    private mutating func escape(into out: inout [UInt8]) throws {
        guard index < bytes.count else { throw SummaryJSONError() }
        let b = bytes[index]
        index += 1
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(b)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hex4())
            if (0xD800...0xDBFF).contains(scalar), literal("\\u") {
                let low = UInt32(try hex4())
                if (0xDC00...0xDFFF).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {  // a high surrogate followed by another escape: both stand alone
                    out.append(contentsOf: String(Unicode.Scalar(0xFFFD)!).utf8)
                    scalar = low
                }
            }
            out.append(contentsOf: String(Unicode.Scalar(scalar) ?? Unicode.Scalar(0xFFFD)!).utf8)
        default: throw SummaryJSONError()
        }
    }

    private mutating func hex4() throws -> UInt16 {
        guard index + 4 <= bytes.count else { throw SummaryJSONError() }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            index += 1
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw SummaryJSONError()
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Any JSON value, read and dropped (a member this version does not know).
    mutating func skipValue() throws {
        skipWhitespace()
        guard index < bytes.count else { throw SummaryJSONError() }
        switch bytes[index] {
        case UInt8(ascii: "{"): try object { r, _ in try r.skipValue() }
        case UInt8(ascii: "["): _ = try array { r in try r.skipValue() }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try bool()
        case UInt8(ascii: "n"): guard null() else { throw SummaryJSONError() }
        default: _ = try number()
        }
    }
}
