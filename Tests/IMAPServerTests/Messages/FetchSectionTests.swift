// BODY[section]<partial> and BINARY over a multipart message with a nested message/rfc822
// (RFC 9051 §6.4.5, RFC 3516), with the stored summary and without it (parsed from the octets).
import Foundation
import IMAPProtocol
import NIOCore
import Testing
@testable import IMAPServer

@Suite struct FetchSectionTests {
    let responder = FetchResponder(includeModSeq: false, timeZone: Fixtures.utc)

    func section(_ s: IMAPSection, partial: IMAPPartial? = nil, summary: Bool) throws -> (origin: UInt64?, data: String?) {
        let message = Fixtures.stored(Fixtures.mixed, withSummary: summary)
        let items = try responder.items(for: message, attributes: [.bodySection(s, partial: partial, peek: true)], uid: false, body: Fixtures.mixed)
        guard case .bodySection(let echoed, let origin, let data) = try #require(items.first) else {
            Issue.record("not a BODY[] item: \(items)")
            return (nil, nil)
        }
        #expect(echoed == s)
        return (origin, Fixtures.bytes(data))
    }

    @Test(arguments: [true, false])
    func wholeMessageHeaderAndText(summary: Bool) throws {
        #expect(try section(.whole, summary: summary).data == Fixtures.mixedHeader + Fixtures.mixedText)
        #expect(try section(IMAPSection(text: .header), summary: summary).data == Fixtures.mixedHeader)
        #expect(try section(IMAPSection(text: .text), summary: summary).data == Fixtures.mixedText)
    }

    @Test(arguments: [true, false])
    func headerFieldsKeepFoldingAndOrder(summary: Bool) throws {
        // names are case-insensitive; fields come in message order with their folding, then CRLF
        let fields = try section(IMAPSection(text: .headerFields(["x-long", "FROM"])), summary: summary).data
        #expect(fields == "From: Alice <a@example.com>\r\nX-Long: one\r\n  two\r\n\r\n")
        let not = try section(IMAPSection(text: .headerFieldsNot(["Return-Path", "x-long", "content-type", "mime-version", "date"])), summary: summary).data
        #expect(not == "From: Alice <a@example.com>\r\nTo: Bob <b@example.net>\r\nSubject: mixed\r\n\r\n")
        let none = try section(IMAPSection(text: .headerFields(["X-Absent"])), summary: summary).data
        #expect(none == "\r\n")
    }

    @Test(arguments: [true, false])
    func numberedPartsAndTheirMIMEHeaders(summary: Bool) throws {
        #expect(try section(IMAPSection(part: [1]), summary: summary).data == "Hello world")
        #expect(try section(IMAPSection(part: [1], text: .mime), summary: summary).data == "Content-Type: text/plain; charset=us-ascii\r\n\r\n")
        // BODY[2] is the part as stored: still quoted-printable
        #expect(try section(IMAPSection(part: [2]), summary: summary).data == "<p>caf=C3=A9 =\r\nok</p>")
        #expect(try section(IMAPSection(part: [3]), summary: summary).data == "AAECAwQFBgcICQ==")
        // a part that does not exist, and HEADER of a part that is not a message/rfc822
        #expect(try section(IMAPSection(part: [9]), summary: summary).data == nil)
        #expect(try section(IMAPSection(part: [1], text: .header), summary: summary).data == nil)
    }

    @Test(arguments: [true, false])
    func encapsulatedMessageSections(summary: Bool) throws {
        // BODY[4] of a message/rfc822 part is the whole encapsulated message
        #expect(try section(IMAPSection(part: [4]), summary: summary).data == Fixtures.innerMessage)
        #expect(try section(IMAPSection(part: [4], text: .mime), summary: summary).data == "Content-Type: message/rfc822\r\n\r\n")
        #expect(try section(IMAPSection(part: [4], text: .header), summary: summary).data ==
            "From: Inner Sender <inner@example.org>\r\nSubject: =?UTF-8?B?5YaF6YOo?=\r\nContent-Type: multipart/alternative; boundary=\"in\"\r\n\r\n")
        #expect(try section(IMAPSection(part: [4], text: .headerFields(["subject"])), summary: summary).data ==
            "Subject: =?UTF-8?B?5YaF6YOo?=\r\n\r\n")
        let text = try #require(try section(IMAPSection(part: [4], text: .text), summary: summary).data)
        #expect(text.hasPrefix("--in\r\nContent-Type: text/plain") && text.hasSuffix("--in--\r\n"))
        #expect(try section(IMAPSection(part: [4, 1]), summary: summary).data == "inner plain")
        #expect(try section(IMAPSection(part: [4, 2]), summary: summary).data == "<p>inner <b>html</b></p>")
        #expect(try section(IMAPSection(part: [4, 2], text: .mime), summary: summary).data == "Content-Type: text/html; charset=utf-8\r\n\r\n")
    }

    @Test(arguments: [true, false])
    func partialFetchesAnswerWithTheOrigin(summary: Bool) throws {
        let first = try section(.whole, partial: IMAPPartial(offset: 0, length: 10), summary: summary)
        #expect(first.origin == 0 && first.data == "Return-Pat")
        let middle = try section(IMAPSection(part: [1]), partial: IMAPPartial(offset: 6, length: 100), summary: summary)
        #expect(middle.origin == 6 && middle.data == "world")
        let beyond = try section(.whole, partial: IMAPPartial(offset: 5_000, length: 10), summary: summary)
        #expect(beyond.origin == 5_000 && beyond.data == "")
        let huge = try section(.whole, partial: IMAPPartial(offset: UInt64.max - 1, length: UInt64.max), summary: summary)
        #expect(huge.data == "")
    }

    @Test func partialOnTheWireMatchesTheRFCForm() throws {
        // RFC 9051 §6.4.5: "BODY[]<0.2048>" is answered as "BODY[]<0>"
        let message = Fixtures.stored(Fixtures.mixed)
        let items = try responder.items(for: message, attributes: [.bodySection(.whole, partial: IMAPPartial(offset: 0, length: 6), peek: true)],
                                        uid: false, body: Fixtures.mixed)
        #expect(Fixtures.wire(7, items) == "* 7 FETCH (BODY[]<0> {6}\r\nReturn)\r\n")
    }

    @Test(arguments: [true, false])
    func binaryDecodesTheTransferEncoding(summary: Bool) throws {
        let message = Fixtures.stored(Fixtures.mixed, withSummary: summary)
        let items = try responder.items(for: message, attributes: [
            .binary(part: [2], partial: nil, peek: true), .binarySize(part: [2]),
            .binary(part: [3], partial: nil, peek: false), .binarySize(part: [3]),
            .binary(part: [3], partial: IMAPPartial(offset: 8, length: 5), peek: true),
            .binary(part: [9], partial: nil, peek: true),
        ], uid: false, body: Fixtures.mixed)
        // Python: get_payload(decode=True) of parts 2 and 3
        let cafe: [UInt8] = Array("<p>caf\u{e9} ok</p>".utf8)
        #expect(items[0] == .binary(part: [2], origin: nil, data: ByteBuffer(bytes: cafe)))
        #expect(items[1] == .binarySize(part: [2], UInt64(cafe.count)))
        #expect(items[2] == .binary(part: [3], origin: nil, data: ByteBuffer(bytes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])))
        #expect(items[3] == .binarySize(part: [3], 10))
        #expect(items[4] == .binary(part: [3], origin: 8, data: ByteBuffer(bytes: [8, 9])))
        #expect(items[5] == .binary(part: [9], origin: nil, data: nil))
        // data with NUL goes out as literal8 (RFC 3516 §4.3)
        #expect(Fixtures.wire(1, [items[2]]).hasPrefix("* 1 FETCH (BINARY[3] ~{10}\r\n"))
    }

    @Test(arguments: [true, false])
    func unknownTransferEncodingFailsTheFetch(summary: Bool) throws {
        let message = Fixtures.stored(Fixtures.mixed, withSummary: summary)
        #expect(throws: FetchFailure.unknownCTE(part: [5])) {
            try responder.items(for: message, attributes: [.binary(part: [5], partial: nil, peek: true)], uid: false, body: Fixtures.mixed)
        }
        #expect(throws: FetchFailure.unknownCTE(part: [5])) {
            try responder.items(for: message, attributes: [.binarySize(part: [5])], uid: false, body: Fixtures.mixed)
        }
        // BODY[5] still works: it is the stored octets
        let items = try responder.items(for: message, attributes: [.bodySection(IMAPSection(part: [5]), partial: nil, peek: true)],
                                        uid: false, body: Fixtures.mixed)
        #expect(items == [.bodySection(IMAPSection(part: [5]), origin: nil, data: ByteBuffer(string: "begin 644 x"))])
    }

    @Test func rfc822FormsAreAnsweredUnderTheirOwnNames() throws {
        let message = Fixtures.stored(Fixtures.mixed)
        let items = try responder.items(for: message, attributes: [.rfc822Header, .rfc822Text, .rfc822], uid: false, body: Fixtures.mixed)
        #expect(items == [
            .rfc822Header(ByteBuffer(string: Fixtures.mixedHeader)),
            .rfc822Text(ByteBuffer(string: Fixtures.mixedText)),
            .rfc822(ByteBuffer(bytes: Fixtures.mixed)),
        ])
    }
}
