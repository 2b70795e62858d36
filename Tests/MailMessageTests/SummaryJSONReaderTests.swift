// The hand-written reader of stored summaries (SummaryJSONReader) against Foundation's
// JSONDecoder, which read every row before it: the same summary from every JSON text
// JSONDecoder reads (other layouts, member orders, escapes, nulls, unknown members), and
// nil, never a crash, for text that is not a stored summary (truncated, mistyped, nested
// without end, mutated at random).
import Foundation
import Testing
@testable import MailMessage

@Suite struct SummaryJSONReaderTests {
    private func sample() throws -> MessageSummary {
        let names = try Fixture.corpusNames()
        let name = try #require(names.first { $0.contains("multipart") } ?? names.first)
        return MessageSummary(parsing: try Fixture.bytes(name))
    }

    @Test func readsOtherLayoutsOfTheSameJSON() throws {
        let summary = try sample()
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let pretty = try encoder.encode(summary)
        #expect(MessageSummary(storedForm: pretty) == summary, "pretty-printed, keys sorted")
        encoder.outputFormatting = []  // escapes "/" as "\\/"
        var s = summary
        s.subject = "a/b\u{1}"
        #expect(MessageSummary(storedForm: try encoder.encode(s)) == s, "escaped solidus and control")
    }

    @Test func escapesNullsAndUnknownMembers() throws {
        let text = """
        { "size" : 3, "unknown": {"a": [1, 2.5e-3, true, null, "x"]}, "envelope": {"from": [], "sender": [], "replyTo": [],
          "to": [{"name": null, "mailbox": "a", "host": "b"}], "cc": [], "bcc": [], "subject": "\\u00e9\\ud83d\\ude42\\n\\/"},
          "bodyStructure": {"single": {"type": "text", "subtype": "plain", "parameters": [], "encoding": "7BIT",
          "octets": 3, "lines": null, "language": null}, "multipart": null},
          "sections": [], "date": -1.5e2, "subject": null, "inReplyTo": [], "references": ["<r@x>"],
          "hasAttachments": false, "problems": [{"kind": "invalidDate", "section": "", "detail": "d"}] }
        """
        let hand = try #require(MessageSummary(storedForm: Data(text.utf8)), "hand-written reader refused valid JSON")
        #expect(hand == MessageSummary(foundationStoredForm: Data(text.utf8)))
        #expect(hand.envelope.subject == "é🙂\n/")
        #expect(hand.envelope.to == [EnvelopeAddress(name: nil, adl: nil, mailbox: "a", host: "b")])
        #expect(hand.date == Date(timeIntervalSince1970: -150))
        #expect(hand.problems == [MessageProblem(.invalidDate, detail: "d")])
    }

    @Test func refusesWhatIsNoStoredSummary() throws {
        let summary = try sample()
        let form = try #require(summary.storedForm())
        // Every proper prefix is cut short somewhere: never a summary, never a crash.
        for length in 0..<form.count {
            #expect(MessageSummary(storedForm: form.prefix(length)) == nil, "prefix of \(length) bytes read")
        }
        let valid = String(decoding: form, as: UTF8.self)
        let broken = [
            valid + "x",                                                    // something after the value
            valid.replacingOccurrences(of: "\"size\":", with: "\"size\":0"),  // a leading zero
            valid.replacingOccurrences(of: "\"hasAttachments\":\(summary.hasAttachments)", with: "\"hasAttachments\":0"),
            valid.replacingOccurrences(of: "\"hasAttachments\":", with: "\"other\":"),  // a required member missing
            valid.replacingOccurrences(of: "\"inReplyTo\":[", with: "\"inReplyTo\":null,\"x\":["),
            "{\"size\":1e3}", "[]", "", "nul", "{\"size\":\"1\"}", "{\"a\":\"\u{1}\"}", "{\"a\":\"\\x\"}",
            String(repeating: "[", count: 100_000),                         // nested without end
            "{\"u\":" + String(repeating: "{\"u\":", count: 100_000),
        ]
        for text in broken {
            #expect(text != valid, "a change above did not apply")
            #expect(MessageSummary(storedForm: Data(text.utf8)) == nil, "read: \(text.prefix(120))")
        }
        let huge = valid.replacingOccurrences(of: "\"size\":", with: "\"size\":99999999999999999999")
        #expect(MessageSummary(storedForm: Data(huge.utf8)) == nil, "an Int out of range")
    }

    /// Random one-byte changes of an ASCII stored form: whatever one reader accepts the other
    /// reads the same (the hand-written reader is never more lenient, never a crash).
    @Test func agreesWithJSONDecoderOnMutatedForms() throws {
        var s = try sample()
        s.subject = "plain ascii subject"
        let form = [UInt8](try #require(s.storedForm()))
        var generator = RobustnessTests.SplitMix(state: 24)
        let alphabet = Array("{}[]:,\"\\0123456789.-+eE tfnulr\u{1}az/".utf8)
        var accepted = 0
        for _ in 0..<3000 {
            var mutated = form
            for _ in 0..<Int(generator.next() % 3 + 1) {
                let at = Int(generator.next() % UInt64(mutated.count))
                mutated[at] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
            }
            let data = Data(mutated)
            let hand = MessageSummary(storedForm: data), foundation = MessageSummary(foundationStoredForm: data)
            if hand != nil { accepted += 1 }
            #expect(hand == foundation || (hand == nil && Self.foundationLeniency(mutated)),
                    "readers disagree on \(String(decoding: mutated, as: UTF8.self).prefix(400))")
        }
        #expect(accepted > 100, "too few mutations stayed valid for the check to mean anything: \(accepted)")
    }

    /// JSONDecoder reads a number with a fraction or exponent into an Int when its value is
    /// whole ("7.0", "1e2"); the stored form never holds one, and the hand-written reader refuses it.
    private static func foundationLeniency(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.range(of: #":-?[0-9]+(\.[0-9]+)?[eE]"#, options: .regularExpression) != nil
            || text.range(of: #"[:\[,]-?[0-9]+\.[0-9]+[,\]}]"#, options: .regularExpression) != nil
    }
}
