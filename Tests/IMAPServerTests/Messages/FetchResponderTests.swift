// FETCH data items other than sections: FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODY,
// BODYSTRUCTURE, UID, MODSEQ, and the RFC 9051 §6.4.5 numbering of non-multipart messages.
import Foundation
import IMAPProtocol
import MailStore
import NIOCore
import Testing
@testable import IMAPServer

@Suite struct FetchResponderTests {
    /// The message of the RFC 3501 §7.4.2 FETCH example (header as the example's ENVELOPE implies).
    static let rfcExample = Array(Fixtures.crlf(
        "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)",
        "From: Terry Gray <gray@cac.washington.edu>",
        "Subject: IMAP4rev1 WG mtg summary and minutes",
        "To: imap@cac.washington.edu",
        "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>",
        "Message-Id: <B27397-0100000@cac.washington.edu>",
        "MIME-Version: 1.0",
        "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII",
        "",
        "line one",
        "line two",
        "").utf8)

    static let exampleDate = Date(timeIntervalSince1970: TimeInterval(
        IMAPDateTime(date: IMAPDate(year: 1996, month: 7, day: 17), hour: 2, minute: 44, second: 25, zoneMinutes: -420).secondsSince1970))

    @Test(arguments: [true, false])
    func rfc3501ExampleOnTheWire(summary: Bool) throws {
        let responder = FetchResponder(includeModSeq: false, timeZone: TimeZone(secondsFromGMT: -7 * 3600)!)
        let message = Fixtures.stored(Self.rfcExample, flags: MessageFlags(system: .seen), internalDate: Self.exampleDate, withSummary: summary)
        let body: [UInt8]? = summary ? nil : Self.rfcExample
        let items = try responder.items(for: message, attributes: IMAPFetchAttribute.full, uid: false, body: body)
        #expect(Fixtures.wire(12, items) ==
            "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE \(Self.rfcExample.count) " +
            "ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) " +
            "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL " +
            "\"<B27397-0100000@cac.washington.edu>\") " +
            "BODY (\"text\" \"plain\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 20 2))\r\n")
    }

    @Test func bodyStructureOfTheMixedMessage() throws {
        let responder = FetchResponder(includeModSeq: false, timeZone: Fixtures.utc)
        let items = try responder.items(for: Fixtures.stored(Fixtures.mixed), attributes: [.bodyStructure], uid: false, body: nil)
        let wire = Fixtures.wire(1, items)
        #expect(wire.hasPrefix("* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 11 1 NIL NIL NIL NIL)"))
        #expect(wire.contains("(\"application\" \"octet-stream\" (\"name\" \"a.bin\") NIL NIL \"base64\" 16 NIL (\"attachment\" (\"filename\" \"a.bin\")) NIL NIL)"))
        #expect(wire.contains("(\"message\" \"rfc822\" NIL NIL NIL \"7BIT\" \(Fixtures.innerMessage.utf8.count) (NIL \"=?UTF-8?B?5YaF6YOo?=\""))
        #expect(wire.hasSuffix(" \"mixed\" (\"boundary\" \"outer\") NIL NIL NIL))\r\n"))
    }

    @Test func uidComesFirstForUIDFetchAndOnlyOnce() throws {
        let responder = FetchResponder(includeModSeq: false, timeZone: Fixtures.utc)
        let message = Fixtures.stored(Fixtures.mixed, uid: 4_000_000_000, flags: MessageFlags(system: [.seen, .flagged], keywords: ["$Junk"]))
        let items = try responder.items(for: message, attributes: [.flags, .uid, .rfc822Size], uid: true, body: nil)
        #expect(items == [.uid(4_000_000_000), .flags(["\\Seen", "\\Flagged", "$Junk"]), .rfc822Size(1024)])
        let plain = try responder.items(for: message, attributes: [.rfc822Size, .uid], uid: false, body: nil)
        #expect(plain == [.rfc822Size(1024), .uid(4_000_000_000)])
    }

    @Test func modSeqWithCondstore() throws {
        let message = Fixtures.stored(Fixtures.mixed, uid: 6, modSeq: 75_403)
        let off = FetchResponder(includeModSeq: false, timeZone: Fixtures.utc)
        #expect(try off.items(for: message, attributes: [.flags], uid: false, body: nil) == [.flags([])])
        #expect(try off.items(for: message, attributes: [.modSeq], uid: false, body: nil) == [.modSeq(75_403)])
        let on = FetchResponder(includeModSeq: true, timeZone: Fixtures.utc)
        // RFC 7162 §3.1.4.1 example 12 shape: UID MODSEQ FLAGS
        #expect(Fixtures.wire(2, try on.items(for: message, attributes: [.flags], uid: true, body: nil)) == "* 2 FETCH (UID 6 MODSEQ (75403) FLAGS ())\r\n")
        #expect(try on.items(for: message, attributes: [.flags, .modSeq], uid: false, body: nil) == [.flags([]), .modSeq(75_403)])
        #expect(try on.items(for: message, attributes: [.rfc822Size], uid: false, body: nil) == [.rfc822Size(1024)])
        // a FETCH that sets \Seen reports UID and MODSEQ too (RFC 7162 §3.2.4)
        let seen = try on.items(for: message, attributes: [.bodySection(IMAPSection(part: [1]), partial: nil, peek: false)], uid: false, body: Fixtures.mixed)
        #expect(seen == [.uid(6), .modSeq(75_403), .bodySection(IMAPSection(part: [1]), origin: nil, data: ByteBuffer(string: "Hello world"))])
    }

    @Test func whichAttributesNeedTheBodyOrSetSeen() {
        #expect(!FetchResponder.needsBody([.flags, .uid, .envelope, .bodyStructure, .body, .internalDate, .rfc822Size, .modSeq]))
        #expect(FetchResponder.needsBody([.flags, .bodySection(IMAPSection(text: .header), partial: nil, peek: true)]))
        #expect(FetchResponder.needsBody([.binarySize(part: [1])]))
        #expect(FetchResponder.needsBody([.rfc822Header]))
        #expect(FetchResponder.needsBody([.envelope], message: Fixtures.stored(Fixtures.mixed, withSummary: false)))
        #expect(!FetchResponder.needsBody([.envelope], message: Fixtures.stored(Fixtures.mixed)))

        #expect(!FetchResponder.marksSeen([.bodySection(.whole, partial: nil, peek: true), .binary(part: [1], partial: nil, peek: true)]))
        #expect(!FetchResponder.marksSeen([.rfc822Header, .binarySize(part: [1]), .flags]))
        #expect(FetchResponder.marksSeen([.bodySection(IMAPSection(text: .header), partial: nil, peek: false)]))
        #expect(FetchResponder.marksSeen([.binary(part: [1], partial: nil, peek: false)]))
        #expect(FetchResponder.marksSeen([.rfc822]))
        #expect(FetchResponder.marksSeen([.rfc822Text]))
    }

    @Test func nonMultipartMessageHasOnlyPartOne() throws {
        // RFC 9051 §6.4.5: a non-multipart message has a part 1, its body
        let bytes = Array(Fixtures.crlf("Subject: b64", "Content-Type: application/pdf", "Content-Transfer-Encoding: base64", "",
                                        "JVBERi0xLjQK", "").utf8)
        let responder = FetchResponder(includeModSeq: false, timeZone: Fixtures.utc)
        for summary in [true, false] {
            let message = Fixtures.stored(bytes, withSummary: summary)
            let items = try responder.items(for: message, attributes: [
                .bodySection(IMAPSection(part: [1]), partial: nil, peek: true),
                .bodySection(IMAPSection(part: [2]), partial: nil, peek: true),
                .binary(part: [1], partial: nil, peek: true),
                .binarySize(part: [1]),
            ], uid: false, body: bytes)
            #expect(items == [
                .bodySection(IMAPSection(part: [1]), origin: nil, data: ByteBuffer(string: "JVBERi0xLjQK\r\n")),
                .bodySection(IMAPSection(part: [2]), origin: nil, data: nil),
                .binary(part: [1], origin: nil, data: ByteBuffer(string: "%PDF-1.4\n")),
                .binarySize(part: [1], 9),
            ])
        }
    }

    @Test func messageWhoseBodyIsAMessage() throws {
        // a top-level message/rfc822: part 1 is the encapsulated message (RFC 9051 §6.4.5)
        let inner = Fixtures.crlf("Subject: inner", "", "inner body", "")
        let bytes = Array((Fixtures.crlf("Subject: outer", "Content-Type: message/rfc822", "", "") + inner).utf8)
        let responder = FetchResponder(includeModSeq: false, timeZone: Fixtures.utc)
        for summary in [true, false] {
            let items = try responder.items(for: Fixtures.stored(bytes, withSummary: summary), attributes: [
                .bodySection(IMAPSection(part: [1]), partial: nil, peek: true),
                .bodySection(IMAPSection(part: [1], text: .header), partial: nil, peek: true),
                .bodySection(IMAPSection(part: [1], text: .text), partial: nil, peek: true),
                .bodySection(IMAPSection(part: [1, 1]), partial: nil, peek: true),
            ], uid: false, body: bytes)
            #expect(items.map { item -> String? in
                guard case .bodySection(_, _, let data) = item else { return "?" }
                return Fixtures.bytes(data)
            } == [inner, "Subject: inner\r\n\r\n", "inner body\r\n", "inner body\r\n"])
        }
    }

    @Test func internalDateUsesTheServerZone() throws {
        let date = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14 22:13:20 UTC
        let tokyo = FetchResponder(includeModSeq: false, timeZone: TimeZone(secondsFromGMT: 9 * 3600)!)
        let items = try tokyo.items(for: Fixtures.stored(Fixtures.mixed, internalDate: date), attributes: [.internalDate], uid: false, body: nil)
        #expect(Fixtures.wire(1, items) == "* 1 FETCH (INTERNALDATE \"15-Nov-2023 07:13:20 +0900\")\r\n")
    }
}
