import Foundation
import MailMessage
import Testing
@testable import IMAPServer

/// The process-wide cache of decoded message summaries stays bounded and keeps what is used;
/// the ASCII fast path of SEARCH's case folding agrees with Unicode lowercasing.
@Suite struct SummaryCacheTests {
    static func summary(_ subject: String) -> MessageSummary {
        MessageSummary(parsing: Array("Subject: \(subject)\r\n\r\nbody\r\n".utf8))
    }

    @Test func staysBoundedAndKeepsWhatIsTouched() {
        let cache = SummaryCache(limit: 2)
        var decodes = 0
        func get(_ key: String) -> String? {
            cache.summary(for: Data(key.utf8)) { decodes += 1; return Self.summary(key) }?.subject
        }
        #expect(get("a") == "a" && get("b") == "b")
        #expect(get("a") == "a" && decodes == 2, "a hit decodes nothing")
        #expect(get("c") == "c" && get("a") == "a", "a moved from the older generation")
        #expect(decodes == 3)
        for key in ["d", "e", "f", "g"] { _ = get(key) }
        #expect(cache.count <= 4, "at most two generations of `limit`")
        _ = get("b")
        #expect(decodes == 8, "an entry pushed out of both generations is decoded again")
        #expect(cache.summary(for: Data("broken".utf8)) { nil } == nil, "undecodable summaries are not cached")
    }

    /// The key's hash samples long summaries; two that differ only between the sampled points
    /// must still be two entries, each with its own summary.
    @Test func keysDifferingBetweenSampledPointsStayApart() {
        let cache = SummaryCache(limit: 16)
        let a = [UInt8](repeating: UInt8(ascii: "x"), count: 2000)
        var b = a
        b[1030] = UInt8(ascii: "y")
        #expect(SummaryKey(Data(a)).hashValue == SummaryKey(Data(b)).hashValue, "the change fell on a sampled point: move it")
        var decodes = 0
        func get(_ bytes: [UInt8], _ subject: String) -> String? {
            cache.summary(for: Data(bytes)) { decodes += 1; return Self.summary(subject) }?.subject
        }
        #expect(get(a, "a") == "a" && get(b, "b") == "b")
        #expect(get(a, "wrong") == "a" && get(b, "wrong") == "b" && decodes == 2)
    }

    @Test func asciiFoldingMatchesLowercased() {
        for text in ["Hello WORLD 123 [\\]^_`@", "ÄÖÜ Straße", "件名 SUBJECT", "İstanbul", ""] {
            #expect(SearchText.fold(text) == Array(text.lowercased().utf8), "\(text)")
        }
    }
}
