// SEARCH text keys on decoded text: encoded words, transfer encodings, Japanese charsets in
// the message and in the command's CHARSET, HTML parts (RFC 9051 §6.4.4). The Japanese octets
// were produced with Python's codecs (iso-2022-jp, shift_jis, euc-jp) and email.header.
import Foundation
import IMAPProtocol
import MailStore
import Testing
@testable import IMAPServer

@Suite struct SearchTextTests {
    /// `SearchText.fold` is `lowercased()` as UTF-8, by the ASCII pass or the Unicode one.
    @Test func foldIsLowercasedUTF8() {
        var samples = ["", "A", "The Quick BROWN fox @[`{ 0123", "ÄÖÜ straße", "İstanbul", "ΣΑΣ", "mixed ascii É end",
                       String(repeating: "AbCdEfGhIjKlMnOpQrStUvWxYz\r\n", count: 200), "\u{7f}\u{80}@Z[z"]
        samples.append(String(decoding: (0..<128).map { UInt8($0) }, as: UTF8.self))
        for sample in samples {
            #expect(SearchText.fold(sample) == Array(sample.lowercased().utf8), "\(sample.prefix(40))")
        }
    }

    /// `SearchText.contains` against a plain scan: at the start and the end, partial matches
    /// that overlap the real one, one-byte and empty needles, and random text over a small
    /// alphabet (where partial matches are everywhere).
    @Test func containsFindsEverySubstring() {
        func reference(_ h: [UInt8], _ n: [UInt8]) -> Bool {
            n.isEmpty || (h.count >= n.count && (0...(h.count - n.count)).contains { Array(h[$0..<$0 + n.count]) == n })
        }
        let cases: [(String, String)] = [("", ""), ("abc", ""), ("", "a"), ("a", "a"), ("a", "b"), ("ab", "abc"),
                                         ("abc", "abc"), ("xabc", "abc"), ("abcx", "abc"), ("aaab", "aab"), ("abab", "bab"),
                                         ("the lazy dog 1. the lazy dog 7.", "lazy dog 7"), ("the lazy dog 1.", "lazy dog 7"),
                                         ("zzzzzzzzzy", "zy"), ("yzzzzzzzzz", "yz"), ("ab", "b"), ("ab", "a")]
        for (h, n) in cases {
            #expect(SearchText.contains(Array(h.utf8), Array(n.utf8)) == reference(Array(h.utf8), Array(n.utf8)), "\(n) in \(h)")
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let h = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 97...99, using: &rng) }
            let n = (0..<Int.random(in: 0...5, using: &rng)).map { _ in UInt8.random(in: 97...99, using: &rng) }
            #expect(SearchText.contains(h, n) == reference(h, n), "\(n) in \(h)")
        }
    }

    /// Subject "来週の会議について" in ISO-2022-JP encoded words; body ISO-2022-JP, 7bit.
    static let jisMessage = Array(Fixtures.crlf(
        "From: =?iso-2022-jp?b?GyRCRURDZhsoQg==?= <tanaka@example.jp>",
        "To: Team <team@example.jp>",
        "Cc: Boss <boss@example.jp>",
        "Subject: =?iso-2022-jp?b?GyRCTWg9NSROMnE1RCRLJEQkJCRGGyhC?=",
        "Date: Tue, 14 Nov 2023 23:30:00 +0900",
        "X-Mailer: Tester 1.0",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=ISO-2022-JP",
        "Content-Transfer-Encoding: 7bit",
        "",
        "\u{1b}$B$3$s$K$A$O!\"2q5D$N5D;vO?$G$9!#\u{1b}(B",
        "").utf8)

    /// Subject "請求書のご案内" as a Shift_JIS encoded word; multipart with a base64 Shift_JIS
    /// text part ("お世話になっております。請求書を添付します。") and a base64 Shift_JIS HTML part
    /// ("<p>送料&amp;手数料のお知らせ</p>").
    static let sjisMessage = Array(Fixtures.crlf(
        "From: Billing <billing@example.co.jp>",
        "To: customer@example.com",
        "Subject: =?Shift_JIS?B?kL+LgY+RgsyCsojEk+A=?=",
        "Date: 1 Dec 2023 08:00:00 -0500",
        "Content-Type: multipart/alternative; boundary=b",
        "",
        "--b",
        "Content-Type: text/plain; charset=Shift_JIS",
        "Content-Transfer-Encoding: base64",
        "",
        "gqiQophigsmCyILBgsSCqILogtyCt4FCkL+LgY+RgvCTWZV0grWC3IK3gUINCg==",
        "--b",
        "Content-Type: text/html; charset=shift_jis",
        "Content-Transfer-Encoding: base64",
        "",
        "PHA+kZeXvyZhbXA7juiQlJe/gsyCqJJtgueCuTwvcD4=",
        "--b--",
        "").utf8)

    /// EUC-JP body "東京タワー", quoted-printable; plain ASCII header.
    static let eucMessage = Array((Fixtures.crlf(
        "From: Sato <sato@example.jp>",
        "Subject: Plain ASCII subject",
        "Content-Type: text/plain; charset=euc-jp",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "") + "=C5=EC=B5=FE=A5=BF=A5=EF=A1=BC\r\n").utf8)

    static let messages = [jisMessage, sjisMessage, eucMessage]
    static let context = SearchContext(messageCount: 3, largestUID: 3, savedUIDs: nil)

    /// The sequence numbers matching, evaluated with the octets and (for header keys) with the
    /// stored summary alone: both must agree.
    func search(_ keys: IMAPSearchKey..., charset: String? = nil, summaryOnly: Bool = false) throws -> [UInt32] {
        let evaluator = try SearchEvaluator(charset: charset, timeZone: Fixtures.utc)
        return Self.messages.enumerated().compactMap { k, bytes in
            let message = Fixtures.stored(bytes, uid: UInt32(k + 1))
            let matched = evaluator.matches(keys, message: message, sequenceNumber: UInt32(k + 1), context: Self.context,
                                            body: summaryOnly ? nil : bytes)
            return matched ? UInt32(k + 1) : nil
        }
    }

    static func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test(arguments: [false, true])
    func subjectInEncodedWords(summaryOnly: Bool) throws {
        #expect(try search(.subject(Self.utf8("会議")), summaryOnly: summaryOnly) == [1])
        #expect(try search(.subject(Self.utf8("請求書")), summaryOnly: summaryOnly) == [2])
        #expect(try search(.subject(Self.utf8("plain ascii")), summaryOnly: summaryOnly) == [3])
        #expect(try search(.subject(Self.utf8("")), summaryOnly: summaryOnly) == [1, 2, 3])
        #expect(try search(.subject(Self.utf8("東京")), summaryOnly: summaryOnly) == [])
    }

    @Test(arguments: [false, true])
    func addressFieldsMatchNamesAndAddresses(summaryOnly: Bool) throws {
        #expect(try search(.from(Self.utf8("田中")), summaryOnly: summaryOnly) == [1])
        #expect(try search(.from(Self.utf8("TANAKA@EXAMPLE")), summaryOnly: summaryOnly) == [1])
        #expect(try search(.from(Self.utf8("billing")), summaryOnly: summaryOnly) == [2])
        #expect(try search(.to(Self.utf8("customer@")), summaryOnly: summaryOnly) == [2])
        #expect(try search(.cc(Self.utf8("boss")), summaryOnly: summaryOnly) == [1])
        #expect(try search(.bcc(Self.utf8("boss")), summaryOnly: summaryOnly) == [])
    }

    @Test func searchStringsInJapaneseCharsets() throws {
        // "会議" / "請求書" / "タワー" sent in the command's CHARSET
        #expect(try search(.subject(Fixtures.hex("1b2442327135441b2842")), charset: "ISO-2022-JP") == [1])
        #expect(try search(.subject(Fixtures.hex("90bf8b818f91")), charset: "SHIFT_JIS") == [2])
        #expect(try search(.body(Fixtures.hex("a5bfa5efa1bc")), charset: "EUC-JP") == [3])
        #expect(try search(.body(Fixtures.hex("1b244235443b764f3f1b2842")), charset: "iso-2022-jp") == [1])
    }

    @Test func bodyIsDecodedFromTransferEncodingAndCharset() throws {
        #expect(try search(.body(Self.utf8("議事録"))) == [1])
        #expect(try search(.body(Self.utf8("請求書を添付"))) == [2])
        #expect(try search(.body(Self.utf8("東京タワー"))) == [3])
        // the HTML part is searched as text: tags gone, entities decoded
        #expect(try search(.body(Self.utf8("送料&手数料"))) == [2])
        #expect(try search(.body(Self.utf8("<p>"))) == [])
        // BODY does not look at the header
        #expect(try search(.body(Self.utf8("会議について"))) == [])
        // nor at the raw octets
        #expect(try search(.body(Self.utf8("gqiQ"))) == [])
    }

    @Test func textSearchesHeaderAndBody() throws {
        #expect(try search(.text(Self.utf8("来週の会議"))) == [1])
        #expect(try search(.text(Self.utf8("議事録"))) == [1])
        #expect(try search(.text(Self.utf8("x-mailer: tester"))) == [1])
        #expect(try search(.text(Self.utf8("お知らせ"))) == [2])
    }

    @Test func headerKeyWithAndWithoutValue() throws {
        #expect(try search(.header(name: "X-Mailer", value: [])) == [1])
        #expect(try search(.header(name: "x-mailer", value: Self.utf8("TESTER"))) == [1])
        #expect(try search(.header(name: "Content-Transfer-Encoding", value: Self.utf8("base64"))) == [])
        #expect(try search(.header(name: "Content-Transfer-Encoding", value: [])) == [1, 3])
        #expect(try search(.header(name: "Subject", value: Self.utf8("ご案内"))) == [2])
    }

    @Test(arguments: [false, true])
    func sentDatesUseTheDateHeaderInItsOwnZone(summaryOnly: Bool) throws {
        // message 1: 14 Nov 2023 23:30 +0900 (14 Nov UTC too); message 2: 1 Dec 2023 08:00 -0500; message 3: no Date
        #expect(try search(.sentOn(IMAPDate(year: 2023, month: 11, day: 14)), summaryOnly: summaryOnly) == [1])
        #expect(try search(.sentBefore(IMAPDate(year: 2023, month: 12, day: 1)), summaryOnly: summaryOnly) == [1])
        #expect(try search(.sentSince(IMAPDate(year: 2023, month: 12, day: 1)), summaryOnly: summaryOnly) == [2])
        #expect(try search(.not(.sentSince(IMAPDate(year: 1970, month: 1, day: 1))), summaryOnly: summaryOnly) == [3])
    }

    @Test func caseInsensitiveBeyondASCII() throws {
        let bytes = Array(Fixtures.crlf("Subject: =?UTF-8?Q?=C3=89T=C3=89_Stra=C3=9Fe?=", "", "ÜBER alles", "").utf8)
        let evaluator = try SearchEvaluator(charset: "UTF-8", timeZone: Fixtures.utc)
        let message = Fixtures.stored(bytes)
        func hit(_ key: IMAPSearchKey) -> Bool {
            evaluator.matches([key], message: message, sequenceNumber: 1, context: Self.context, body: bytes)
        }
        #expect(hit(.subject(Self.utf8("été"))))
        #expect(hit(.body(Self.utf8("über"))))
        #expect(!hit(.body(Self.utf8("unter"))))
    }
}
