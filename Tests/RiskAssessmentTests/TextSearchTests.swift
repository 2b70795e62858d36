@testable import RiskAssessment
import Testing

/// The byte search that replaced Foundation's `range(of:)` in the keyword and URL scans must find
/// what String comparison finds, and nothing inside a character cluster.
@Suite struct TextSearchTests {
    @Test func findsASCIIAndJapanese() throws {
        #expect(TextSearch.contains("please wire transfer today", "wire transfer"))
        #expect(TextSearch.contains("今月より振込先が変更になりました", "振込先"))
        #expect(!TextSearch.contains("今月より振込先が変更になりました", "口座"))
        #expect(!TextSearch.contains("short", "longer than the text"))
        #expect(!TextSearch.contains("anything", ""))
        let text: Substring = "see http://a.example and http://b.example"
        let first = try #require(TextSearch.firstRange(of: "http", in: text))
        #expect(text[first.lowerBound...].hasPrefix("http://a.example"))
        let second = try #require(TextSearch.firstRange(of: "http", in: text[first.upperBound...]))
        #expect(text[second.lowerBound...].hasPrefix("http://b.example"))
    }

    @Test func matchesOnlyWholeCharacters() {
        // "e" + COMBINING ACUTE ACCENT is one Character: "cafe" is not in it, as String says.
        let decomposed = "cafe\u{301} au lait"
        #expect(!TextSearch.contains(decomposed, "cafe"))
        #expect(TextSearch.contains(decomposed, "cafe\u{301}"))
        #expect(TextSearch.contains(decomposed, "au lait"))
        // A later whole-character match after a rejected one is still found.
        #expect(TextSearch.contains("cafe\u{301} then cafe", "cafe"))
    }

    @Test func prefixCountsCharacters() {
        #expect(TextSearch.prefix("short", characters: 10) == "short")
        #expect(TextSearch.prefix("振込先口座", characters: 3) == "振込先")
        #expect(TextSearch.prefix("cafe\u{301}x", characters: 4) == "cafe\u{301}")
    }

    @Test func urlsInPlainTextStillFound() {
        #expect(ShownAddress.urls(in: "go to https://x.example/a now", limit: 10) == ["https://x.example/a"])
        #expect(ShownAddress.urls(in: "no links, only http as a word", limit: 10).isEmpty)
    }
}
