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

    /// The leftmost whole-Character match, found the slow way (every offset in turn).
    static func referenceFirstOffset(of needle: String, in text: String) -> Int? {
        let pattern = Array(needle.utf8), bytes = Array(text.utf8)
        guard !pattern.isEmpty, pattern.count <= bytes.count else { return nil }
        for offset in 0...(bytes.count - pattern.count) where Array(bytes[offset..<offset + pattern.count]) == pattern {
            let start = text.utf8.index(text.utf8.startIndex, offsetBy: offset)
            let end = text.utf8.index(start, offsetBy: pattern.count)
            if start.samePosition(in: text) != nil, end.samePosition(in: text) != nil { return offset }
        }
        return nil
    }

    /// memchr looks for the needle's rarest byte, not its first: the same leftmost match, at
    /// every position, whatever byte is chosen.
    @Test func anchoredSearchFindsTheLeftmostMatch() {
        let pieces = ["wire", "transfer", "invoice", "pay", "e\u{301}", "振込", "先", " ", "z", "q", "aa", "請求書", "x"]
        let needles = ["wire transfer", "invoice", "pay", "aa", "a", "z", "振込先", "請求書", "e\u{301}", "ee", "xq", "transfer ", " pay"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...14, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            for needle in needles {
                let found = TextSearch.firstRange(of: needle, in: text[...]).map { text.utf8.distance(from: text.utf8.startIndex, to: $0.lowerBound) }
                #expect(found == Self.referenceFirstOffset(of: needle, in: text), "\(text.debugDescription) \(needle)")
            }
        }
        #expect(TextSearch.anchor(of: Array("invoice".utf8)) == 2, "v is the rarest letter of invoice")
        #expect(TextSearch.anchor(of: Array("a".utf8)) == 0)
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
