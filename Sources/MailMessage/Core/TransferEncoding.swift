// Content-Transfer-Encoding (RFC 2045 §6): base64 and quoted-printable, tolerant when decoding.

/// RFC 2045 §6.1 mechanism values.
public enum TransferEncoding: String, Sendable, Codable, Equatable {
    case sevenBit = "7bit"
    case eightBit = "8bit"
    case binary
    case quotedPrintable = "quoted-printable"
    case base64
    /// An x-token or misspelling; the body is passed through undecoded.
    case unknown

    /// mechanism := "7bit" / "8bit" / "binary" / "quoted-printable" / "base64" / ietf-token / x-token
    public init(headerValue: String) {
        let v = headerValue.lowercased().filter { !" \t\r\n\"".contains($0) }
        switch v {
        case "7bit", "7-bit", "": self = .sevenBit
        case "8bit", "8-bit": self = .eightBit
        case "binary": self = .binary
        case "quoted-printable", "quotedprintable", "quoted_printable": self = .quotedPrintable
        case "base64", "base-64": self = .base64
        default: self = .unknown
        }
    }

    /// Decodes a body in this encoding; 7bit, 8bit, binary and unknown return the bytes unchanged.
    public func decode<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        switch self {
        case .base64: return Base64.decode(bytes).bytes
        case .quotedPrintable: return QuotedPrintable.decode(bytes).bytes
        default: return Array(bytes)
        }
    }
}

public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        // base64url letters, seen from a few broken senders
        t[Int(UInt8(ascii: "-"))] = 62
        t[Int(UInt8(ascii: "_"))] = 63
        return t
    }()

    /// Decodes base64, skipping whitespace and any byte outside the alphabet, tolerating missing
    /// padding and padding in the middle (concatenated chunks). `clean` is false when anything
    /// had to be skipped or a dangling group was dropped.
    public static func decode<C: Collection>(_ input: C) -> (bytes: [UInt8], clean: Bool) where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 3 / 4)
        var acc: UInt32 = 0
        var n = 0
        var clean = true
        for c in input {
            let v = table[Int(c)]
            if v == 0xFF {
                if c == ASCII.equals {
                    // padding ends the current group
                    if n == 2 { out.append(UInt8(truncatingIfNeeded: acc >> 4)) }
                    if n == 3 {
                        out.append(UInt8(truncatingIfNeeded: acc >> 10))
                        out.append(UInt8(truncatingIfNeeded: acc >> 2))
                    }
                    if n == 1 { clean = false }
                    acc = 0
                    n = 0
                } else if !ASCII.isWhitespace(c) {
                    clean = false
                }
                continue
            }
            acc = (acc << 6) | UInt32(v)
            n += 1
            if n == 4 {
                out.append(UInt8(truncatingIfNeeded: acc >> 16))
                out.append(UInt8(truncatingIfNeeded: acc >> 8))
                out.append(UInt8(truncatingIfNeeded: acc))
                acc = 0
                n = 0
            }
        }
        switch n {
        case 2: out.append(UInt8(truncatingIfNeeded: acc >> 4))
        case 3:
            out.append(UInt8(truncatingIfNeeded: acc >> 10))
            out.append(UInt8(truncatingIfNeeded: acc >> 2))
        case 1: clean = false
        default: break
        }
        return (out, clean)
    }

    /// Encodes as base64; with `lineLength` > 0, breaks lines with CRLF every `lineLength` chars
    /// (RFC 2045 §6.8: at most 76).
    public static func encode<C: Collection>(_ input: C, lineLength: Int = 0) -> [UInt8] where C.Element == UInt8 {
        let bytes = Array(input)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 4 / 3 + bytes.count / 38 + 8)
        var column = 0
        func put(_ c: UInt8) {
            if lineLength > 0 && column == lineLength {
                out.append(ASCII.cr)
                out.append(ASCII.lf)
                column = 0
            }
            out.append(c)
            column += 1
        }
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            put(alphabet[Int(v >> 18 & 63)]); put(alphabet[Int(v >> 12 & 63)])
            put(alphabet[Int(v >> 6 & 63)]); put(alphabet[Int(v & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            put(alphabet[Int(v >> 18 & 63)]); put(alphabet[Int(v >> 12 & 63)]); put(ASCII.equals); put(ASCII.equals)
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            put(alphabet[Int(v >> 18 & 63)]); put(alphabet[Int(v >> 12 & 63)]); put(alphabet[Int(v >> 6 & 63)]); put(ASCII.equals)
        }
        return out
    }
}

public enum QuotedPrintable {
    /// Decodes quoted-printable (RFC 2045 §6.7): "=XX" octets (either case), soft line breaks
    /// ("=" CRLF or "=" LF), trailing whitespace on lines dropped (rule 3). A malformed "="
    /// sequence is kept literally and makes `clean` false.
    public static func decode<C: Collection>(_ input: C) -> (bytes: [UInt8], clean: Bool) where C.Element == UInt8 {
        let b = Array(input)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var clean = true
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c == ASCII.equals {
                if i + 2 < n, let hi = ASCII.hexValue(b[i + 1]), let lo = ASCII.hexValue(b[i + 2]) {
                    out.append(hi << 4 | lo)
                    i += 3
                    continue
                }
                // soft line break: "=" [WSP...] (CRLF / LF / end)
                var j = i + 1
                while j < n, ASCII.isWSP(b[j]) { j += 1 }
                if j == n { i = n; continue }
                if b[j] == ASCII.lf { i = j + 1; continue }
                if b[j] == ASCII.cr { i = (j + 1 < n && b[j + 1] == ASCII.lf) ? j + 2 : j + 1; continue }
                clean = false
                out.append(c)
                i += 1
                continue
            }
            if ASCII.isWSP(c) {
                // drop whitespace at end of line (RFC 2045 §6.7 rule 3)
                var j = i
                while j < n, ASCII.isWSP(b[j]) { j += 1 }
                if j == n || b[j] == ASCII.lf || (b[j] == ASCII.cr && j + 1 < n && b[j + 1] == ASCII.lf) {
                    i = j
                    continue
                }
                out.append(contentsOf: b[i..<j])
                i = j
                continue
            }
            out.append(c)
            i += 1
        }
        return (out, clean)
    }

    /// Encodes as quoted-printable with CRLF line breaks, lines at most 76 characters
    /// (RFC 2045 §6.7 rule 5). Line breaks in the input (CRLF or LF) become hard CRLF breaks.
    public static func encode<C: Collection>(_ input: C) -> [UInt8] where C.Element == UInt8 {
        let b = Array(input)
        var out: [UInt8] = []
        var line: [UInt8] = []
        func softBreak() { out += line; out += [ASCII.equals, ASCII.cr, ASCII.lf]; line.removeAll() }
        func emit(_ chunk: [UInt8]) {
            if line.count + chunk.count > 75 { softBreak() }
            line += chunk
        }
        func escaped(_ c: UInt8) -> [UInt8] { [ASCII.equals, ASCII.hexDigits[Int(c >> 4)], ASCII.hexDigits[Int(c & 15)]] }
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == ASCII.cr, i + 1 < b.count, b[i + 1] == ASCII.lf { i += 1; continue }
            if c == ASCII.lf {
                // whitespace before a hard break must be encoded (rule 3)
                if let last = line.last, ASCII.isWSP(last) {
                    line.removeLast()
                    emit(escaped(last))
                }
                out += line
                out += [ASCII.cr, ASCII.lf]
                line.removeAll()
                i += 1
                continue
            }
            if (c >= 33 && c <= 126 && c != ASCII.equals) || ASCII.isWSP(c) {
                // a leading "." or "From " could be mangled in transport; encode them defensively
                if line.isEmpty && (c == ASCII.dot || (c == 0x46 && b[i...].starts(with: Array("From ".utf8)))) {
                    emit(escaped(c))
                } else {
                    emit([c])
                }
            } else {
                emit(escaped(c))
            }
            i += 1
        }
        if let last = line.last, ASCII.isWSP(last) {
            line.removeLast()
            emit(escaped(last))
        }
        out += line
        return out
    }
}
