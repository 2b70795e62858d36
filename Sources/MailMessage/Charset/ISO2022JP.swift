// ISO-2022-JP (RFC 1468) with the Microsoft CP50220/CP50221 extensions, done by hand because
// ICU's ISO-2022-JP converter lacks NEC row 13 (①, ㈱) and the IBM extension rows.
// Decoding maps each JIS X 0208 pair to Shift_JIS arithmetically and converts the result as
// Windows-31J (CP932) through ICU, so the vendor rows come out as Windows clients show them.
import Foundation

enum ISO2022JP {
    private enum Mode { case ascii, jisx0208, kana, jisx0212 }

    /// A run of bytes in one converter, gathered while walking the escape sequences.
    private struct Runs {
        var out = ""
        var invalid = 0
        var sjis: [UInt8] = []
        var euc: [UInt8] = []

        mutating func flush() {
            if !sjis.isEmpty {
                if let (t, bad) = Charset.icuDecode(sjis, charset: "windows-31j") { out += t; invalid += bad }
                sjis.removeAll(keepingCapacity: true)
            }
            if !euc.isEmpty {
                if let (t, bad) = Charset.icuDecode(euc, charset: "euc-jp") { out += t; invalid += bad }
                euc.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Decodes ISO-2022-JP. Escapes: ESC ( B / ESC ( J (ASCII, JIS-Roman), ESC $ @ / ESC $ B
    /// (JIS X 0208), ESC $ ( D (JIS X 0212), ESC ( I and SO/SI (half-width kana, CP50221).
    /// A line end returns to ASCII, as RFC 1468 requires every line to end there anyway.
    static func decode(_ bytes: [UInt8]) -> (String, invalid: Int) {
        var runs = Runs()
        var mode = Mode.ascii
        var shiftedOut = false
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == ASCII.escape {
                if let (newMode, length) = escape(bytes, at: i) {
                    mode = newMode
                    i += length
                    continue
                }
                runs.invalid += 1
                i += 1
                continue
            }
            if b == 0x0E { shiftedOut = true; i += 1; continue }
            if b == 0x0F { shiftedOut = false; i += 1; continue }
            if b == ASCII.lf || b == ASCII.cr {
                mode = .ascii
                shiftedOut = false
                runs.sjis.append(b)
                i += 1
                continue
            }
            if b >= 0xA1 && b <= 0xDF {
                // 8-bit half-width kana (JIS8), seen from some old senders.
                runs.sjis.append(b)
                i += 1
                continue
            }
            if shiftedOut || mode == .kana {
                if b >= 0x21 && b <= 0x5F { runs.sjis.append(b + 0x80) } else { runs.sjis.append(b) }
                i += 1
                continue
            }
            switch mode {
            case .ascii, .kana:
                if b >= 0x80 { runs.invalid += 1; runs.sjis.append(0x3F) } else { runs.sjis.append(b) }
                i += 1
            case .jisx0208, .jisx0212:
                guard i + 1 < n, (0x21...0x7E).contains(b), (0x21...0x7E).contains(bytes[i + 1]) else {
                    if b == ASCII.space || b == ASCII.tab { runs.sjis.append(b) } else { runs.invalid += 1 }
                    i += 1
                    continue
                }
                let j2 = bytes[i + 1]
                if mode == .jisx0208 {
                    if !runs.euc.isEmpty { runs.flush() }
                    let (s1, s2) = jisToShiftJIS(b, j2)
                    runs.sjis.append(s1)
                    runs.sjis.append(s2)
                } else {
                    if !runs.sjis.isEmpty { runs.flush() }
                    runs.euc.append(contentsOf: [0x8F, b | 0x80, j2 | 0x80])
                }
                i += 2
            }
        }
        runs.flush()
        return (runs.out, runs.invalid)
    }

    private static func escape(_ bytes: [UInt8], at i: Int) -> (Mode, Int)? {
        func at(_ k: Int) -> UInt8? { i + k < bytes.count ? bytes[i + k] : nil }
        switch (at(1), at(2), at(3)) {
        case (0x28, 0x42, _), (0x28, 0x4A, _), (0x28, 0x48, _): return (.ascii, 3)   // ( B, ( J, ( H
        case (0x28, 0x49, _): return (.kana, 3)                                      // ( I
        case (0x24, 0x40, _), (0x24, 0x42, _): return (.jisx0208, 3)                 // $ @, $ B
        case (0x24, 0x28, 0x44): return (.jisx0212, 4)                               // $ ( D
        case (0x24, 0x28, 0x4F), (0x24, 0x28, 0x50), (0x24, 0x28, 0x51): return (.jisx0208, 4) // JIS X 0213 planes, read as 0208
        case (0x26, 0x40, _):                                                        // ESC & @ ESC $ B (JIS X 0208-1990)
            if at(3) == ASCII.escape && at(4) == 0x24 && at(5) == 0x42 { return (.jisx0208, 6) }
            return nil
        default: return nil
        }
    }

    /// JIS X 0208 row/cell bytes (0x21-0x7E each) to the Shift_JIS pair.
    @inline(__always)
    static func jisToShiftJIS(_ j1: UInt8, _ j2: UInt8) -> (UInt8, UInt8) {
        let s1 = UInt8((Int(j1) + 1) >> 1) + (j1 <= 0x5E ? 0x70 : 0xB0)
        let s2: UInt8
        if j1 & 1 == 1 { s2 = j2 + (j2 >= 0x60 ? 0x20 : 0x1F) } else { s2 = j2 + 0x7E }
        return (s1, s2)
    }

    /// Shift_JIS pair to JIS X 0208 row/cell bytes; nil outside rows 1-94 that ISO-2022-JP can carry.
    static func shiftJISToJIS(_ s1: UInt8, _ s2: UInt8) -> (UInt8, UInt8)? {
        guard (0x81...0x9F).contains(s1) || (0xE0...0xEF).contains(s1), (0x40...0xFC).contains(s2), s2 != 0x7F else { return nil }
        var j1 = (s1 - (s1 <= 0x9F ? 0x70 : 0xB0)) << 1
        let j2: UInt8
        if s2 < 0x9F {
            j1 -= 1
            j2 = s2 - (s2 < 0x7F ? 0x1F : 0x20)
        } else {
            j2 = s2 - 0x7E
        }
        return (j1, j2)
    }

    /// Encodes as ISO-2022-JP (CP50220 style): half-width kana become full-width, NEC row 13 and
    /// NEC-selected IBM rows are allowed; nil if some character has no JIS X 0208 (or vendor) code.
    static func encode(_ text: String) -> [UInt8]? {
        let normalized = toWindowsForms(widenHalfWidthKana(text))
        var out: [UInt8] = []
        var inJIS = false
        var pending = ""
        func flushPending() -> Bool {
            guard !pending.isEmpty else { return true }
            guard let sjis = Charset.icuEncode(pending, charset: "windows-31j"), sjis.count % 2 == 0 else { return false }
            if !inJIS { out += [ASCII.escape, 0x24, 0x42]; inJIS = true }
            var k = 0
            while k < sjis.count {
                guard let (j1, j2) = shiftJISToJIS(sjis[k], sjis[k + 1]) else { return false }
                out.append(j1)
                out.append(j2)
                k += 2
            }
            pending = ""
            return true
        }
        for scalar in normalized.unicodeScalars {
            if scalar.value < 0x80 {
                if scalar.value == 0x1B || scalar.value == 0x0E || scalar.value == 0x0F { return nil }
                guard flushPending() else { return nil }
                if inJIS { out += [ASCII.escape, 0x28, 0x42]; inJIS = false }
                out.append(UInt8(scalar.value))
            } else {
                pending.unicodeScalars.append(scalar)
            }
        }
        guard flushPending() else { return nil }
        if inJIS { out += [ASCII.escape, 0x28, 0x42] }
        return out
    }

    /// Characters that JIS X 0208 tables and Windows-31J map differently (the "wave dash problem"):
    /// the JIS reading is rewritten to the code point Windows-31J carries for the same JIS cell.
    static func toWindowsForms(_ text: String) -> String {
        let map: [UInt32: UInt32] = [
            0x301C: 0xFF5E, 0x2016: 0x2225, 0x2212: 0xFF0D, 0x00A2: 0xFFE0, 0x00A3: 0xFFE1,
            0x00AC: 0xFFE2, 0x2014: 0x2015,
        ]
        guard text.unicodeScalars.contains(where: { map[$0.value] != nil }) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if let m = map[s.value], let u = Unicode.Scalar(m) { out.append(u) } else { out.append(s) }
        }
        return String(out)
    }

    /// Full-width forms of U+FF61...U+FF9F (JIS X 0201 katakana), in order.
    private static let fullWidthKana: [UInt32] = [
        0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5,
        0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3,
        0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC,
        0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4,
        0x30E6, 0x30E8, 0x30E9, 0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x309B, 0x309C,
    ]
    private static let voiceable: Set<UInt32> = [
        0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4,
        0x30C6, 0x30C8, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB,
    ]

    /// CP50220 behaviour: half-width katakana (U+FF61-U+FF9F) become their full-width forms,
    /// with a following (semi-)voiced sound mark composed in (ｶﾞ -> ガ, ﾊﾟ -> パ, ｳﾞ -> ヴ).
    static func widenHalfWidthKana(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { (0xFF61...0xFF9F).contains($0.value) }) else { return text }
        var out: [UInt32] = []
        for s in text.unicodeScalars {
            let v = s.value
            guard (0xFF61...0xFF9F).contains(v) else { out.append(v); continue }
            if let last = out.last {
                if v == 0xFF9E && voiceable.contains(last) { out[out.count - 1] = last + 1; continue }
                if v == 0xFF9E && last == 0x30A6 { out[out.count - 1] = 0x30F4; continue }
                if v == 0xFF9F && (0x30CF...0x30DB).contains(last) && voiceable.contains(last) { out[out.count - 1] = last + 2; continue }
            }
            out.append(fullWidthKana[Int(v - 0xFF61)])
        }
        var result = String.UnicodeScalarView()
        for v in out { if let u = Unicode.Scalar(v) { result.append(u) } }
        return String(result)
    }
}
