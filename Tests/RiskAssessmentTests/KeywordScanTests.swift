@testable import RiskAssessment
import Testing

/// The one-pass keyword scan of the first-contact check must answer what a search per keyword
/// answers (`TextSearch.contains`, whole Characters only), and the ASCII lower-casing what
/// `lowercased()` gives.
@Suite struct KeywordScanTests {
    @Test func findsWhatASearchPerKeywordFinds() {
        let pieces = ["wire", "transfer", "invoice", "pay", "ment", "e\u{301}", "振込", "先", " ", "\r\n", "\r", "\n", "u", "ur", "gent",
                      "gift card", "a", "b", "請求書", "💸", "x"]
        let keywords = ["wire transfer", "invoice", "payment", "urgent", "gift card", "振込先", "請求書", "a", "", "e\u{301}", "ee",
                        "\n", "\r\n", "nt\r", "pay", "payment"]
        // With short keywords (a window of two bytes) and without (a window of six: long moves).
        let long = keywords.filter { $0.utf8.count >= 6 }
        var generator = SystemRandomNumberGenerator()
        for keywords in [keywords, long] {
            let scan = KeywordScan(keywords)
            for _ in 0..<4000 {
                let text = (0..<Int.random(in: 0...16, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
                #expect(scan.present(in: text) == keywords.map { TextSearch.contains(text, $0) }, "\(text.debugDescription)")
            }
            #expect(scan.present(in: "") == [Bool](repeating: false, count: keywords.count))
        }
    }

    @Test func theDefaultKeywordsInAMessage() {
        let forms = RiskAssessor.searchForms(RiskPolicy.defaultPaymentKeywords).map(\.form)
        let scan = KeywordScan(forms)
        let text = "re: invoice 4411\nplease send the wire transfer today, it is urgent. 本日中に振込先へ送金してください。"
        let found = zip(forms, scan.present(in: text)).filter(\.1).map(\.0)
        #expect(found == ["振込先", "送金", "本日中", "urgent", "wire transfer", "invoice"])
        // "payment" inside "prepayments" is still a match (substring, as before); "gift" alone is not.
        #expect(zip(forms, scan.present(in: "prepayments and a gift")).filter(\.1).map(\.0) == ["payment"])
    }

    @Test func asciiLowercasingIsLowercased() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let text = String(decoding: (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...127, using: &generator) },
                              as: UTF8.self)
            #expect(TextSearch.asciiLowercased(text) == text.lowercased())
        }
        #expect(TextSearch.asciiLowercased("Wire TRANSFER @[`{") == "wire transfer @[`{")
    }
}
