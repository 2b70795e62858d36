// SEARCH keys other than text: flags, keywords, sets with * and $, dates, sizes, MODSEQ and
// the NOT/OR/AND nesting (RFC 9051 §6.4.4, RFC 5182, RFC 7162 §3.1.5).
import Foundation
import IMAPProtocol
import MailStore
import Testing
@testable import IMAPServer

@Suite struct SearchEvaluatorTests {
    let evaluator = try! SearchEvaluator(charset: nil, timeZone: Fixtures.utc)

    /// Ten messages, UIDs 10, 20 ... 100, sizes 100 ... 1000, alternately \Seen.
    static let mailbox: [StoredMessage] = (1...10).map { n in
        let bytes = Array(("Subject: message \(n)\r\n\r\n" + String(repeating: "x", count: 100 * n - 21 - String(n).count)).utf8)
        var flags = MessageFlags(system: n % 2 == 0 ? [.seen] : [], keywords: n == 3 ? ["$Important"] : [])
        if n == 4 { flags.system.insert([.flagged, .deleted, .answered, .draft]) }
        return Fixtures.stored(bytes, uid: UInt32(n * 10), modSeq: UInt64(n * 100), flags: flags,
                               internalDate: Date(timeIntervalSince1970: TimeInterval(1_700_000_000 + (n - 5) * 86_400)))
    }

    static let context = SearchContext(messageCount: 10, largestUID: 100, savedUIDs: [30, 50, 70])

    /// The sequence numbers of the matching messages.
    func search(_ keys: IMAPSearchKey..., context: SearchContext = SearchEvaluatorTests.context) -> [UInt32] {
        Self.mailbox.enumerated().compactMap { k, message in
            evaluator.matches(keys, message: message, sequenceNumber: UInt32(k + 1), context: context, body: nil) ? UInt32(k + 1) : nil
        }
    }

    @Test func systemFlags() {
        #expect(search(.all) == Array(1...10))
        #expect(search(.seen) == [2, 4, 6, 8, 10])
        #expect(search(.unseen) == [1, 3, 5, 7, 9])
        #expect(search(.flagged) == [4] && search(.deleted) == [4] && search(.answered) == [4] && search(.draft) == [4])
        #expect(search(.unflagged).count == 9 && search(.undeleted).count == 9 && search(.unanswered).count == 9 && search(.undraft).count == 9)
    }

    @Test func keywordsAreCaseInsensitive() {
        #expect(search(.keyword("$important")) == [3])
        #expect(search(.unkeyword("$IMPORTANT")).count == 9)
        #expect(search(.keyword("$Absent")) == [])
        #expect(search(.keyword("\\Seen")) == [2, 4, 6, 8, 10])
    }

    @Test func recentNewOld() {
        let context = SearchContext(messageCount: 10, largestUID: 100, savedUIDs: nil, recentUIDs: [90, 100])
        #expect(search(.recent, context: context) == [9, 10])
        #expect(search(.new, context: context) == [9])
        #expect(search(.old, context: context) == Array(1...8))
        #expect(search(.recent) == [])
    }

    @Test func sequenceSetsWithStarAndDollar() {
        #expect(search(.sequenceSet(IMAPSequenceSet([IMAPSequenceRange(2), IMAPSequenceRange(.number(5), .number(7))]))) == [2, 5, 6, 7])
        #expect(search(.sequenceSet(IMAPSequenceSet([IMAPSequenceRange(.last, .number(9))]))) == [9, 10])
        #expect(search(.sequenceSet(IMAPSequenceSet([IMAPSequenceRange(.number(12), .last)]))) == [10])
        #expect(search(.sequenceSet(.lastCommand)) == [3, 5, 7])
        let nothingSaved = SearchContext(messageCount: 10, largestUID: 100, savedUIDs: nil)
        #expect(search(.sequenceSet(.lastCommand), context: nothingSaved) == [])
    }

    @Test func uidSetsWithStarAndDollar() {
        #expect(search(.uid(IMAPSequenceSet([IMAPSequenceRange(.number(15), .number(40))]))) == [2, 3, 4])
        // "559:*" includes the last message even when 559 is above every UID (RFC 9051 §6.4.8)
        #expect(search(.uid(IMAPSequenceSet([IMAPSequenceRange(.number(559), .last)]))) == [10])
        #expect(search(.uid(IMAPSequenceSet([IMAPSequenceRange(.last, .last)]))) == [10])
        #expect(search(.uid(.lastCommand)) == [3, 5, 7])
        #expect(search(.uid(IMAPSequenceSet([IMAPSequenceRange(11)]))) == [])
    }

    @Test func internalDatesByCalendarDay() {
        // message 5 arrived 2023-11-14 22:13:20 UTC; message n is n-5 days later
        let day = IMAPDate(year: 2023, month: 11, day: 14)
        #expect(search(.on(day)) == [5])
        #expect(search(.before(day)) == [1, 2, 3, 4])
        #expect(search(.since(day)) == [5, 6, 7, 8, 9, 10])
        // in Tokyo the same instants fall on the next calendar day
        let tokyo = try! SearchEvaluator(charset: nil, timeZone: TimeZone(secondsFromGMT: 9 * 3600)!)
        let onTokyo = Self.mailbox.enumerated().filter { tokyo.matches([.on(IMAPDate(year: 2023, month: 11, day: 15))], message: $1,
                                                                       sequenceNumber: UInt32($0 + 1), context: Self.context, body: nil) }
        #expect(onTokyo.map { $0.offset + 1 } == [5])
    }

    @Test func sizes() {
        #expect(search(.larger(500)) == [6, 7, 8, 9, 10])
        #expect(search(.larger(499)) == [5, 6, 7, 8, 9, 10])
        #expect(search(.smaller(300)) == [1, 2])
        #expect(Self.mailbox[2].size == 300)
    }

    @Test func modSeq() {
        #expect(search(.modSeq(800, entry: nil)) == [8, 9, 10])
        #expect(search(.modSeq(801, entry: IMAPModSeqEntry(flag: "\\Seen", type: "all"))) == [9, 10])
    }

    @Test func notOrAndNesting() {
        #expect(search(.not(.seen)) == [1, 3, 5, 7, 9])
        #expect(search(.or(.flagged, .keyword("$Important"))) == [3, 4])
        #expect(search(.seen, .larger(500)) == [6, 8, 10])
        #expect(search(.and([.seen, .not(.larger(500))])) == [2, 4])
        #expect(search(.or(.and([.seen, .smaller(300)]), .not(.or(.unseen, .smaller(900))))) == [2, 10])
        #expect(search(.not(.not(.uid(IMAPSequenceSet([IMAPSequenceRange(10)]))))) == [1])
        #expect(search(.and([])) == Array(1...10))
    }

    @Test func oneEvaluatorAcrossChangingKeysAndContexts() {
        // the evaluator reuses its compiled program only while keys and context are the same
        #expect(search(.uid(.lastCommand)) == [3, 5, 7])
        let other = SearchContext(messageCount: 10, largestUID: 100, savedUIDs: [10])
        #expect(search(.uid(.lastCommand), context: other) == [1])
        #expect(search(.sequenceSet(IMAPSequenceSet([IMAPSequenceRange(.last, .last)])), context: other) == [10])
        let shorter = SearchContext(messageCount: 4, largestUID: 40, savedUIDs: [10])
        #expect(search(.sequenceSet(IMAPSequenceSet([IMAPSequenceRange(.last, .last)])), context: shorter) == [4])
        #expect(search(.uid(.lastCommand), context: other) == [1])
    }

    @Test func charsetsAndBodyNeeds() throws {
        #expect(throws: SearchFailure.badCharset) { try SearchEvaluator(charset: "KOI8-Q") }
        for name in ["utf-8", "US-ASCII", "iso-2022-jp", "Shift_JIS", "EUC-JP"] {
            #expect((try? SearchEvaluator(charset: name)) != nil, "\(name)")
        }
        #expect(SearchEvaluator.supportedCharsets.contains("UTF-8"))
        #expect(!SearchEvaluator.needsBody([.seen, .uid(.lastCommand), .larger(5), .since(IMAPDate(year: 2020, month: 1, day: 1))]))
        #expect(SearchEvaluator.needsBody([.not(.or(.seen, .body(Array("x".utf8))))]))
        #expect(SearchEvaluator.needsBody([.subject(Array("x".utf8))]))
        let stored = Fixtures.stored(Fixtures.mixed)
        #expect(!SearchEvaluator.needsBody([.subject(Array("x".utf8)), .sentOn(IMAPDate(year: 1994, month: 2, day: 7))], message: stored))
        #expect(SearchEvaluator.needsBody([.header(name: "X-Long", value: [])], message: stored))
        #expect(SearchEvaluator.needsBody([.subject(Array("x".utf8))], message: Fixtures.stored(Fixtures.mixed, withSummary: false)))
    }
}
