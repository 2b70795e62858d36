// Charset conversion through the system ICU (CICU), with the aliases real mail needs.
// RFC 2046 §4.1.2 (charset parameter), RFC 2978 (IANA names), RFC 1468 (ISO-2022-JP).
import CICU
import Foundation

/// The result of converting bytes in some charset to Unicode.
public struct CharsetDecodeResult: Sendable, Equatable {
    public var text: String
    /// The converter actually used (after aliasing and fallback), lowercase.
    public var charsetUsed: String
    /// False when the declared charset was unknown and a fallback was used.
    public var isKnownCharset: Bool
    /// Byte sequences that were invalid in the charset and became U+FFFD.
    public var invalidSequences: Int

    public var problems: [MessageProblem] {
        var out: [MessageProblem] = []
        if !isKnownCharset { out.append(MessageProblem(.unknownCharset, detail: "fell back to \(charsetUsed)")) }
        if invalidSequences > 0 {
            out.append(MessageProblem(.charsetDecodingErrors, detail: "\(invalidSequences) invalid sequence(s) in \(charsetUsed)"))
        }
        return out
    }
}

public enum Charset {
    /// Decodes `bytes` labelled with `charset` (any IANA name or alias, case-insensitive).
    /// Never fails: unknown charsets fall back to UTF-8, then windows-1252, and say so.
    public static func decode(_ bytes: [UInt8], charset: String) -> CharsetDecodeResult {
        let name = normalize(charset)
        switch name {
        case "utf-8", "":
            return decodeUTF8OrFallback(bytes, known: true, label: "utf-8")
        case "us-ascii":
            // 8-bit bytes in "us-ascii" text are common; read them as UTF-8 or windows-1252.
            if ByteText.isASCII(bytes) {
                return CharsetDecodeResult(text: String(decoding: bytes, as: UTF8.self), charsetUsed: "us-ascii",
                                           isKnownCharset: true, invalidSequences: 0)
            }
            var result = decodeUTF8OrFallback(bytes, known: true, label: "us-ascii")
            result.invalidSequences = max(result.invalidSequences, 1)
            return result
        case "iso-2022-jp":
            let (text, invalid) = ISO2022JP.decode(bytes)
            return CharsetDecodeResult(text: text, charsetUsed: "iso-2022-jp", isKnownCharset: true, invalidSequences: invalid)
        default:
            if let (text, invalid) = icuDecode(bytes, charset: name) {
                return CharsetDecodeResult(text: text, charsetUsed: name, isKnownCharset: true, invalidSequences: invalid)
            }
            return decodeUTF8OrFallback(bytes, known: false, label: name)
        }
    }

    /// Encodes `text` in `charset`; nil if the charset is unknown or cannot represent the text.
    public static func encode(_ text: String, charset: String) -> [UInt8]? {
        let name = normalize(charset)
        switch name {
        case "utf-8": return Array(text.utf8)
        case "us-ascii": return text.utf8.allSatisfy({ $0 < 0x80 }) ? Array(text.utf8) : nil
        case "iso-2022-jp": return ISO2022JP.encode(text)
        default: return icuEncode(text, charset: name)
        }
    }

    /// True when the charset can be decoded (ICU knows it, or it is handled here).
    public static func isKnown(_ charset: String) -> Bool {
        let name = normalize(charset)
        if ["utf-8", "us-ascii", "iso-2022-jp"].contains(name) { return true }
        return name.withCString { cicu_charset_known($0) } == 1
    }

    /// The label without surrounding space, tab and quote marks, lowercased. By bytes: those
    /// four are ASCII (no UTF-8 continuation byte equals them), and an ASCII label (every label
    /// in use) lowercases byte by byte. Foundation's trimmingCharacters with a CharacterSet
    /// built per call was 8% of SEARCH BODY's CPU (issue 24).
    static func trimmedLowercased(_ label: String) -> String {
        let bytes = Array(label.utf8)
        func trimmed(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x22 || b == 0x27 }
        var start = 0, end = bytes.count
        while start < end, trimmed(bytes[start]) { start += 1 }
        while end > start, trimmed(bytes[end - 1]) { end -= 1 }
        let core = bytes[start..<end]
        guard core.allSatisfy({ $0 < 0x80 }) else { return String(decoding: core, as: UTF8.self).lowercased() }
        return String(decoding: core.map { $0 &+ (($0 &- 0x41) < 26 ? 0x20 : 0) }, as: UTF8.self)
    }

    /// The converter name used for a label: aliases that mail in the wild needs, applied before ICU.
    /// Shift_JIS is read as Windows-31J (CP932) and ISO-2022-JP with the CP50220/50221 extensions,
    /// because that is what Japanese senders actually emit; GB2312 as GB18030 (a superset);
    /// ISO-8859-1 and US-ASCII text with 8-bit bytes as windows-1252, as major clients do.
    public static func normalize(_ charset: String) -> String {
        var name = trimmedLowercased(charset)
        switch name {
        case "utf8", "utf-8", "unicode-1-1-utf-8", "x-unicode20utf8": name = "utf-8"
        case "ascii", "us-ascii", "ansi_x3.4-1968", "iso646-us", "us", "646": name = "us-ascii"
        case "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j", "cp932",
             "ms932", "x-ms-cp932", "windows-932", "shift_jisx0213", "shift_jis-2004":
            name = "windows-31j"
        case "iso-2022-jp", "csiso2022jp", "iso2022jp", "iso-2022-jp-ms", "cp50220", "cp50221", "cp50222",
             "iso-2022-jp-1", "iso-2022-jp-3", "iso-2022-jp-2004", "jis", "x-iso-2022-jp":
            name = "iso-2022-jp"
        case "euc-jp", "x-euc-jp", "eucjp", "cseucpkdfmtjapanese", "cp51932", "euc-jis-2004": name = "euc-jp"
        case "gb2312", "csgb2312", "x-gbk", "gbk", "cp936", "gb_2312-80", "euc-cn", "x-euc-cn": name = "gb18030"
        case "big5", "big-5", "cn-big5", "csbig5", "x-x-big5": name = "big5"
        case "ks_c_5601-1987", "ks_c_5601", "euc-kr", "cseuckr", "cp949", "windows-949", "korean": name = "windows-949"
        case "iso-8859-1", "latin1", "latin-1", "l1", "iso8859-1", "iso_8859-1", "cp819", "ibm819", "windows-1252", "cp1252":
            name = "windows-1252"
        case "utf-16", "utf16": name = "utf-16"
        case "utf-7", "unicode-1-1-utf-7": name = "utf-7"
        default:
            if name.hasPrefix("iso8859-") { name = "iso-8859-" + name.dropFirst(8) }
            if name.hasPrefix("iso_8859-") { name = "iso-8859-" + name.dropFirst(9) }
            if name.hasPrefix("cp125") && name.count == 6 { name = "windows-" + name.dropFirst(2) }
        }
        return name
    }

    /// Decodes bytes with no label: UTF-8 if valid, ISO-2022-JP if escapes appear, else the hint,
    /// else windows-1252. Used for raw 8-bit header bytes (RFC 6532 says UTF-8; old clients disagree).
    static func decodeUnlabelled(_ bytes: [UInt8], hint: String?) -> CharsetDecodeResult {
        if bytes.contains(ASCII.escape) {
            let (text, invalid) = ISO2022JP.decode(bytes)
            if invalid == 0 {
                return CharsetDecodeResult(text: text, charsetUsed: "iso-2022-jp", isKnownCharset: true, invalidSequences: 0)
            }
        }
        if let s = String(validatingUTF8Bytes: bytes) {
            return CharsetDecodeResult(text: s, charsetUsed: "utf-8", isKnownCharset: true, invalidSequences: 0)
        }
        if let hint, normalize(hint) != "us-ascii", normalize(hint) != "utf-8" {
            let r = decode(bytes, charset: hint)
            if r.isKnownCharset && r.invalidSequences == 0 { return r }
        }
        // Japanese senders' raw Shift_JIS, when it reads cleanly; else windows-1252.
        if let (text, invalid) = icuDecode(bytes, charset: "windows-31j"), invalid == 0 {
            return CharsetDecodeResult(text: text, charsetUsed: "windows-31j", isKnownCharset: true, invalidSequences: 0)
        }
        return decodeUTF8OrFallback(bytes, known: false, label: "unlabelled")
    }

    private static func decodeUTF8OrFallback(_ bytes: [UInt8], known: Bool, label: String) -> CharsetDecodeResult {
        if let s = String(validatingUTF8Bytes: bytes) {
            return CharsetDecodeResult(text: s, charsetUsed: known ? label : "utf-8", isKnownCharset: known, invalidSequences: 0)
        }
        if known && label == "utf-8" {
            // Invalid UTF-8: replace the bad sequences, as every client does.
            let text = String(decoding: bytes, as: UTF8.self)
            let bad = text.unicodeScalars.reduce(0) { $0 + ($1 == "\u{FFFD}" ? 1 : 0) }
            return CharsetDecodeResult(text: text, charsetUsed: "utf-8", isKnownCharset: true, invalidSequences: max(bad, 1))
        }
        let (text, invalid) = icuDecode(bytes, charset: "windows-1252") ?? (String(decoding: bytes, as: UTF8.self), 0)
        return CharsetDecodeResult(text: text, charsetUsed: "windows-1252", isKnownCharset: known, invalidSequences: invalid)
    }

    /// ICU to-Unicode conversion; nil when ICU does not know the charset.
    static func icuDecode(_ bytes: [UInt8], charset: String) -> (String, Int)? {
        if bytes.isEmpty { return isKnown(charset) ? ("", 0) : nil }
        guard bytes.count < Int(Int32.max) / 4 else { return nil }
        var capacity = bytes.count * 2 + 16
        while true {
            var units = [UInt16](repeating: 0, count: capacity)
            var substitutions: Int32 = 0
            let needed = charset.withCString { name in
                bytes.withUnsafeBufferPointer { src in
                    units.withUnsafeMutableBufferPointer { dst in
                        cicu_decode(name, src.baseAddress, Int32(src.count), dst.baseAddress, Int32(capacity), &substitutions)
                    }
                }
            }
            if needed < 0 { return nil }
            if Int(needed) <= capacity {
                return (String(decoding: units[0..<Int(needed)], as: UTF16.self), Int(substitutions))
            }
            capacity = Int(needed) + 16
        }
    }

    /// ICU from-Unicode conversion; nil when unknown or unrepresentable.
    static func icuEncode(_ text: String, charset: String) -> [UInt8]? {
        let units = Array(text.utf16)
        if units.isEmpty { return isKnown(charset) ? [] : nil }
        var capacity = units.count * 4 + 16
        while true {
            var out = [UInt8](repeating: 0, count: capacity)
            let needed = charset.withCString { name in
                units.withUnsafeBufferPointer { src in
                    out.withUnsafeMutableBufferPointer { dst in
                        cicu_encode(name, src.baseAddress, Int32(src.count), dst.baseAddress, Int32(capacity))
                    }
                }
            }
            if needed < 0 { return nil }
            if Int(needed) <= capacity { return Array(out[0..<Int(needed)]) }
            capacity = Int(needed) + 16
        }
    }
}
