// Small byte-level helpers shared by every grammar area.
import CICU
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum ASCII {
    static let tab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let percent: UInt8 = 0x25
    static let apostrophe: UInt8 = 0x27
    static let openParen: UInt8 = 0x28
    static let closeParen: UInt8 = 0x29
    static let asterisk: UInt8 = 0x2A
    static let comma: UInt8 = 0x2C
    static let hyphen: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let lessThan: UInt8 = 0x3C
    static let equals: UInt8 = 0x3D
    static let greaterThan: UInt8 = 0x3E
    static let question: UInt8 = 0x3F
    static let at: UInt8 = 0x40
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let underscore: UInt8 = 0x5F
    static let escape: UInt8 = 0x1B

    /// RFC 5234 WSP: SP / HTAB.
    @inline(__always) static func isWSP(_ b: UInt8) -> Bool { b == space || b == tab }
    @inline(__always) static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab || b == cr || b == lf }
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { let l = b | 0x20; return l >= 0x61 && l <= 0x7A }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}

extension Collection where Element == UInt8 {
    /// Case-insensitive ASCII comparison with a lowercase literal.
    func asciiCaseInsensitiveEquals(_ lowercased: String) -> Bool {
        var other = lowercased.utf8.makeIterator()
        for b in self {
            guard let o = other.next(), ASCII.lower(b) == o else { return false }
        }
        return other.next() == nil
    }

    /// Case-insensitive prefix test against a lowercase literal.
    func asciiCaseInsensitiveHasPrefix(_ lowercased: String) -> Bool {
        var mine = makeIterator()
        for o in lowercased.utf8 {
            guard let b = mine.next(), ASCII.lower(b) == o else { return false }
        }
        return true
    }
}

extension ArraySlice where Element == UInt8 {
    /// The slice without leading and trailing SP, HTAB, CR and LF.
    func trimmingWhitespace() -> ArraySlice<UInt8> {
        var lo = startIndex, hi = endIndex
        while lo < hi, ASCII.isWhitespace(self[lo]) { lo += 1 }
        while hi > lo, ASCII.isWhitespace(self[hi - 1]) { hi -= 1 }
        return self[lo..<hi]
    }
}

enum ByteSearch {
    /// Index of the first `byte` in `bytes[from..<to]`, via memchr.
    @inline(__always)
    static func index(of byte: UInt8, in bytes: [UInt8], from: Int, to: Int) -> Int? {
        guard from < to else { return nil }
        return bytes.withUnsafeBufferPointer { buf -> Int? in
            guard let base = buf.baseAddress,
                  let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Index of the first occurrence of `needle` in `bytes[from..<to]`, via memmem.
    static func index(of needle: [UInt8], in bytes: [UInt8], from: Int, to: Int) -> Int? {
        guard from < to, to - from >= needle.count, !needle.isEmpty else { return nil }
        return bytes.withUnsafeBufferPointer { buf -> Int? in
            needle.withUnsafeBufferPointer { n -> Int? in
                guard let base = buf.baseAddress,
                      let nb = n.baseAddress,
                      let hit = cicu_memmem(base + from, to - from, nb, n.count) else { return nil }
                return base.distance(to: hit)
            }
        }
    }

    /// Number of LF bytes in `bytes[range]`.
    static func countLF(in bytes: [UInt8], range: Range<Int>) -> Int {
        var count = 0
        var i = range.lowerBound
        while let hit = index(of: ASCII.lf, in: bytes, from: i, to: range.upperBound) {
            count += 1
            i = hit + 1
        }
        return count
    }
}

/// Best-effort Unicode for bytes that should be UTF-8 (RFC 6532) but may not be.
enum ByteText {
    static func isASCII<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        if let answer = bytes.withContiguousStorageIfAvailable({ isASCII(UnsafeRawBufferPointer($0)) }) { return answer }
        return bytes.allSatisfy { $0 < 0x80 }
    }

    /// Eight bytes at a time: every text part's charset decision reads its whole body, and the
    /// byte loop cost 51 K instructions for 10 KB (issue 24).
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var index = 0
        while index + 8 <= bytes.count {
            if base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            index += 8
        }
        while index < bytes.count {
            if base.load(fromByteOffset: index, as: UInt8.self) >= 0x80 { return false }
            index += 1
        }
        return true
    }

    /// UTF-8 if valid, else decoded with `fallbackCharset` (or ISO-2022-JP when escapes appear),
    /// else Latin-1 so that no byte is lost.
    static func string<C: Collection>(_ bytes: C, fallbackCharset: String? = nil) -> String where C.Element == UInt8 {
        if bytes.contains(ASCII.escape) {
            return Charset.decodeUnlabelled(Array(bytes), hint: "iso-2022-jp").text
        }
        if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        if let s = String(validatingUTF8Bytes: bytes) { return s }
        return Charset.decodeUnlabelled(Array(bytes), hint: fallbackCharset).text
    }
}

extension String {
    /// Decodes UTF-8 strictly; nil when the bytes are not valid UTF-8 (overlong forms,
    /// surrogates and truncated sequences included). The standard library validates contiguous
    /// bytes in bulk, scalar-by-scalar appending was a third of SEARCH BODY's time.
    init?<C: Collection>(validatingUTF8Bytes bytes: C) where C.Element == UInt8 {
        let decoded = bytes.withContiguousStorageIfAvailable { String(validating: $0, as: UTF8.self) }
            ?? String(validating: Array(bytes), as: UTF8.self)
        guard let decoded else { return nil }
        self = decoded
    }
}
