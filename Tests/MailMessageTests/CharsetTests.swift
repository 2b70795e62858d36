import Foundation
import Testing
@testable import MailMessage

@Suite struct CharsetTests {
    /// The byte-wise trim and lowercase of charset labels gives what Foundation's
    /// trimmingCharacters(in:) and lowercased() gave, ASCII or not.
    @Test func labelsTrimAndLowercaseAsFoundationDid() {
        let labels = ["UTF-8", " \"utf-8\" ", "\t'ISO-2022-JP'\t", "", " ", "\"'\t ", "Shift_JIS", "x-Ünicode ", " ÄÖ\"",
                      "a b", "ISO8859-1", "\u{3000}utf-8", "KS_C_5601-1987", "@[`{"]
        for label in labels {
            let foundation = label.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'")).lowercased()
            #expect(Charset.trimmedLowercased(label) == foundation, "\(label)")
        }
        #expect(Charset.normalize(" \"Shift-JIS\"") == "windows-31j")
        #expect(Charset.normalize("ISO8859-15") == "iso-8859-15")
    }

    @Test func iso2022jpWithVendorExtensions() {
        // ① (NEC row 13, JIS 0x2D21), ㈱ (0x2D6A), half-width kana via ESC ( I and via SO/SI
        let bytes: [UInt8] = [0x1B, 0x24, 0x42, 0x2D, 0x21, 0x2D, 0x6A, 0x1B, 0x28, 0x49, 0x31, 0x32, 0x1B, 0x28, 0x42,
                              0x41, 0x0E, 0x33, 0x0F, 0x42]
        let result = Charset.decode(bytes, charset: "ISO-2022-JP")
        #expect(result.text == "①㈱ｱｲAｳB")
        #expect(result.invalidSequences == 0)
    }

    @Test func iso2022jpRoundTrip() {
        let text = "株式会社ハトの①番目のお知らせ～ABC"
        let encoded = Charset.encode(text, charset: "iso-2022-jp")!
        #expect(encoded.allSatisfy { $0 < 0x80 })
        #expect(Charset.decode(encoded, charset: "iso-2022-jp").text == text)
        // half-width kana are written full-width (CP50220)
        #expect(Charset.decode(Charset.encode("ｶﾞｷﾞ", charset: "iso-2022-jp")!, charset: "iso-2022-jp").text == "ガギ")
        // the JIS wave dash is written as the Windows-31J cell
        #expect(Charset.encode("〜", charset: "iso-2022-jp") == Charset.encode("～", charset: "iso-2022-jp"))
        // no JIS X 0208 code: not encodable
        #expect(Charset.encode("😀", charset: "iso-2022-jp") == nil)
    }

    @Test func iso2022jpLineEndReturnsToASCII() {
        // missing ESC ( B before the line break: the next line is still read as ASCII
        let bytes: [UInt8] = [0x1B, 0x24, 0x42, 0x46, 0x7C, 0x0D, 0x0A, 0x61, 0x62]
        #expect(Charset.decode(bytes, charset: "iso-2022-jp").text == "日\r\nab")
    }

    @Test func shiftJISIsWindows31J() {
        // 0x8160 is FULLWIDTH TILDE in CP932; 0x8740 is ①; 0x878A is ㈱
        let r = Charset.decode([0x81, 0x60, 0x87, 0x40, 0x87, 0x8A, 0xB1], charset: "Shift_JIS")
        #expect(r.text == "～①㈱ｱ")
        #expect(Charset.decode([0x93, 0xFA, 0x96, 0x7B], charset: "x-sjis").text == "日本")
        #expect(Charset.decode([0x93, 0xFA, 0x96, 0x7B], charset: "cp932").text == "日本")
    }

    @Test func manyCharsets() {
        let cases: [(String, [UInt8], String)] = [
            ("euc-jp", [0xC6, 0xFC, 0xCB, 0xDC], "日本"),
            ("iso-8859-1", [0x63, 0x61, 0x66, 0xE9], "café"),
            ("iso-8859-15", [0xA4], "€"),
            ("iso-8859-2", [0xB1], "ą"),
            ("windows-1250", [0x9A], "š"),
            ("windows-1251", [0xC0], "А"),
            ("windows-1252", [0x80], "€"),
            ("windows-1253", [0xC1], "Α"),
            ("windows-1254", [0xFD], "ı"),
            ("windows-1255", [0xE0], "א"),
            ("windows-1256", [0xC7], "ا"),
            ("windows-1257", [0xE0], "ą"),
            ("windows-1258", [0xC3], "Ă"),
            ("koi8-r", [0xF2], "Р"),
            ("gb2312", [0xD6, 0xD0], "中"),
            ("gbk", [0x81, 0x40], "丂"),
            ("gb18030", [0x81, 0x30, 0x81, 0x30], "\u{80}"),
            ("big5", [0xA4, 0xA4], "中"),
            ("euc-kr", [0xC7, 0xD1], "한"),
            ("ks_c_5601-1987", [0xC7, 0xD1], "한"),
            ("utf-16", [0xFE, 0xFF, 0x00, 0x41], "A"),
            ("utf-16le", [0x41, 0x00], "A"),
            ("UTF8", [0xE2, 0x82, 0xAC], "€"),
        ]
        for (charset, bytes, expected) in cases {
            let r = Charset.decode(bytes, charset: charset)
            #expect(r.text == expected, "\(charset)")
            #expect(r.isKnownCharset, "\(charset)")
        }
    }

    @Test func unknownCharsetFallsBackAndSaysSo() {
        let utf8 = Charset.decode(Array("café".utf8), charset: "x-nonsense")
        #expect(utf8.text == "café")
        #expect(!utf8.isKnownCharset)
        #expect(utf8.problems.map(\.kind) == [.unknownCharset])
        let latin = Charset.decode([0x63, 0x61, 0x66, 0xE9], charset: "x-nonsense")
        #expect(latin.text == "café")
        #expect(!Charset.isKnown("x-nonsense"))
    }

    @Test func invalidBytesAreCountedNotFatal() {
        let r = Charset.decode([0x61, 0xFF, 0x62], charset: "utf-8")
        #expect(r.text == "a\u{FFFD}b")
        #expect(r.invalidSequences == 1)
        let sjis = Charset.decode([0x82], charset: "shift_jis")
        #expect(sjis.invalidSequences >= 1)
    }

    @Test func encodeThroughICU() {
        #expect(Charset.encode("日本", charset: "Shift_JIS") == [0x93, 0xFA, 0x96, 0x7B])
        #expect(Charset.encode("é", charset: "us-ascii") == nil)
        #expect(Charset.encode("€", charset: "iso-8859-15") == [0xA4])
    }
}

/// Strict UTF-8 validation (used before any charset fallback): what the standard library
/// accepts, nothing more.
@Suite struct StrictUTF8Tests {
    @Test func acceptsValidAndRejectsMalformed() {
        #expect(String(validatingUTF8Bytes: Array("日本語 ok".utf8)) == "日本語 ok")
        #expect(String(validatingUTF8Bytes: Array("日本語".utf8).dropFirst(3)) == "本語", "slices")
        #expect(String(validatingUTF8Bytes: [UInt8]()) == "")
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE6, 0x97], [0xFF], [0x41, 0x80, 0x42], [0xF4, 0x90, 0x80, 0x80]] {
            #expect(String(validatingUTF8Bytes: bad) == nil, "\(bad)")
        }
    }
}
