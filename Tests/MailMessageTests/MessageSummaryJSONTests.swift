// The hand-written stored form of a summary against Foundation's JSONEncoder: the same JSON
// value (same keys, nil optionals left out, same numbers and strings), and both read back by
// both readers (the hand-written one and JSONDecoder) to the summary written. Rows written before the hand-written
// encoder are JSONEncoder's output, so "old rows still read" is the second half of each check.
import Foundation
import Testing
@testable import MailMessage

@Suite struct MessageSummaryJSONTests {
    /// Both encodings parse to equal JSON values and both decode to `summary`.
    private func checkBothWays(_ summary: MessageSummary, _ label: String) throws {
        let hand = try #require(summary.storedForm(), "\(label): hand-written encoder refused")
        let foundation = try #require(summary.foundationStoredForm(), "\(label): JSONEncoder refused")
        let handValue = try JSONSerialization.jsonObject(with: hand) as? NSDictionary
        let foundationValue = try JSONSerialization.jsonObject(with: foundation) as? NSDictionary
        #expect(handValue != nil, "\(label): hand-written output is no JSON object")
        #expect(handValue == foundationValue, "\(label): JSON values differ\n\(String(decoding: hand, as: UTF8.self))\n\(String(decoding: foundation, as: UTF8.self))")
        #expect(MessageSummary(storedForm: hand) == summary, "\(label): hand-written form reads back different")
        #expect(MessageSummary(storedForm: foundation) == summary, "\(label): JSONEncoder form reads back different")
        #expect(MessageSummary(foundationStoredForm: hand) == summary, "\(label): JSONDecoder reads the hand-written form differently")
    }

    @Test func everyCorpusMessageEncodesAsJSONEncoderDoes() throws {
        let names = try Fixture.corpusNames()
        #expect(names.count > 10, "the corpus is missing: no case ran")
        for name in names {
            let bytes = try Fixture.bytes(name)
            try checkBothWays(MessageSummary(parsing: bytes), name)
            try checkBothWays(MessageSummary(parsing: toLF(bytes)), name + " (LF)")
        }
    }

    @Test func escapesNonASCIIAndControlCharacters() throws {
        var s = MessageSummary(parsing: crlf("Subject: x\n\nbody\n"))
        let nasty = "quote \" backslash \\ slash / tab\t nl\n cr\r nul\u{0} bell\u{7} esc\u{1B} us\u{1F} del\u{7F} "
            + "日本語 émoji 🙂 combining e\u{301} bidi \u{202E} ls\u{2028} nbsp\u{A0}"
        s.subject = nasty
        s.messageID = ""
        s.inReplyTo = ["<a@x>", "", nasty]
        s.references = []
        s.envelope.subject = nasty
        s.envelope.from = [EnvelopeAddress(name: nasty, adl: "@route", mailbox: "ü", host: "例え.jp"),
                           EnvelopeAddress(name: nil, adl: nil, mailbox: "group", host: nil),
                           EnvelopeAddress(name: nil, adl: nil, mailbox: nil, host: nil)]
        s.problems = [MessageProblem(.invalidEncodedWord, section: "1.2", detail: nasty),
                      MessageProblem(.bareLineEnding)]
        s.date = Date(timeIntervalSince1970: 1_700_000_000.123456)
        try checkBothWays(s, "nasty strings")
        s.date = Date(timeIntervalSince1970: -86_400.5)
        try checkBothWays(s, "date before 1970")
        s.date = Date(timeIntervalSince1970: 1e17)
        try checkBothWays(s, "far date")
        s.date = Date(timeIntervalSince1970: 0)
        try checkBothWays(s, "epoch")
        s.date = nil
        s.subject = nil
        s.messageID = nil
        s.envelope = Envelope()
        s.problems = []
        try checkBothWays(s, "everything optional nil, lists empty")
        s.date = Date(timeIntervalSince1970: .infinity)
        #expect(s.storedForm() == nil && s.foundationStoredForm() == nil, "a non-finite date is refused by both")
    }

    @Test func everyBodyStructureFieldSurvives() throws {
        let disposition = BodyStructure.Disposition(type: "attachment", parameters: [MIMEParameter(name: "filename*", value: "UTF-8''%E6%97%A5.txt")])
        let leaf = BodyStructure.SinglePart(type: "text", subtype: "plain", parameters: [MIMEParameter(name: "charset", value: "utf-8")],
                                            id: "<id@x>", description: "déscription \"q\"", encoding: "QUOTED-PRINTABLE", octets: 0,
                                            lines: 0, message: nil, md5: "Q2hlY2s=", disposition: disposition, language: ["en", "ja"],
                                            location: "http://x/\\y")
        let bare = BodyStructure.SinglePart(type: "application", subtype: "octet-stream", parameters: [], id: nil, description: nil,
                                            encoding: "7BIT", octets: 12, lines: nil, message: nil, md5: nil, disposition: nil,
                                            language: [], location: nil)
        let inner = BodyStructure.multipart(.init(parts: [.singlePart(leaf), .singlePart(bare)], subtype: "mixed",
                                                  parameters: [MIMEParameter(name: "boundary", value: "=_b")], disposition: nil,
                                                  language: nil, location: ""))
        var message = bare
        message.type = "message"; message.subtype = "rfc822"; message.lines = 3
        message.message = .init(envelope: Envelope(date: "Mon", subject: "内側", to: [EnvelopeAddress(name: nil, adl: nil, mailbox: "a", host: "b")]),
                                body: inner)
        var s = MessageSummary(parsing: crlf("Subject: x\n\nbody\n"))
        s.bodyStructure = .multipart(.init(parts: [.singlePart(message), inner], subtype: "alternative", parameters: [],
                                           disposition: disposition, language: ["x-\u{1}"], location: "loc"))
        s.sections = [SectionLocation(section: [], header: ByteRange(offset: 0, length: 10), body: ByteRange(offset: 10, length: 0),
                                      messageHeader: ByteRange(offset: 0, length: 10), messageText: ByteRange(offset: 10, length: 0)),
                      SectionLocation(section: [1, 2, 3], header: ByteRange(offset: Int.max - 1, length: 1), body: ByteRange(offset: 5, length: 6),
                                      messageHeader: nil, messageText: ByteRange(offset: 1, length: 2))]
        s.hasAttachments = true
        s.size = 0
        try checkBothWays(s, "every field")
    }
}
