import Foundation
import Testing
@testable import MailMessage

@Suite struct IMAPViewTests {
    @Test func envelopeDefaultsAndRawValues() {
        let m = MIMEMessage(parsing: crlf("""
        Date: Mon, 2 Jan 2006 15:04:05 +0900
        Subject: =?UTF-8?B?5pel5pys?=
        From: =?UTF-8?B?5bGx55Sw?= <yamada@example.jp>
        To: Team: a@x.test, b@x.test;, c@y.test
        In-Reply-To: <p@x>
        Message-ID: <m@x>

        body
        """))
        let e = Envelope(header: m.header)
        #expect(e.date == "Mon, 2 Jan 2006 15:04:05 +0900")
        #expect(e.subject == "=?UTF-8?B?5pel5pys?=")
        #expect(e.from == [EnvelopeAddress(name: "=?UTF-8?B?5bGx55Sw?=", adl: nil, mailbox: "yamada", host: "example.jp")])
        #expect(e.sender == e.from && e.replyTo == e.from)
        #expect(e.to.count == 5)
        #expect(e.to[0].isGroupStart && e.to[0].mailbox == "Team")
        #expect(e.to[3].isGroupEnd)
        #expect(e.to[4].host == "y.test")
        #expect(e.cc.isEmpty && e.bcc.isEmpty)
        #expect(e.inReplyTo == "<p@x>" && e.messageID == "<m@x>")
        let broken = Envelope(header: MIMEMessage(parsing: crlf("From: MAILER-DAEMON\n\n")).header)
        #expect(broken.from.first?.host == "MISSING_DOMAIN")
    }

    @Test func bodyStructureOfSinglePartDefaults() {
        let m = MIMEMessage(parsing: crlf("Subject: x\n\nline1\nline2\nno newline at end"))
        guard case .singlePart(let p) = BodyStructure(part: m.root, bytes: m.bytes) else { Issue.record("not single"); return }
        #expect(p.type == "text" && p.subtype == "plain")
        #expect(p.parameters == [MIMEParameter(name: "charset", value: "us-ascii")])
        #expect(p.encoding == "7BIT")
        #expect(p.octets == m.root.bodyRange.length)
        #expect(p.lines == 3)
        #expect(p.disposition == nil && p.md5 == nil && p.language == nil && p.location == nil)
    }

    @Test func bodyStructureExtensionData() throws {
        let m = MIMEMessage(parsing: crlf("""
        Content-Type: multipart/mixed; boundary="q"; x-extra=1
        Content-Disposition: inline
        Content-Language: en, ja
        Content-Location: http://example.com/x

        --q
        Content-Type: image/png; name=a.png
        Content-ID: <i@x>
        Content-Description: a picture
        Content-Transfer-Encoding: BASE64
        Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==
        Content-Disposition: attachment; filename=a.png

        iVBORw0K
        --q--
        """))
        guard case .multipart(let mp) = BodyStructure(part: m.root, bytes: m.bytes), case .singlePart(let png) = mp.parts[0] else {
            Issue.record("unexpected structure"); return
        }
        #expect(mp.subtype == "mixed")
        #expect(mp.parameters.map(\.name) == ["boundary", "x-extra"])
        #expect(mp.disposition?.type == "inline")
        #expect(mp.language == ["en", "ja"])
        #expect(mp.location == "http://example.com/x")
        #expect(png.id == "<i@x>" && png.description == "a picture" && png.encoding == "BASE64")
        #expect(png.md5 == "Q2hlY2sgSW50ZWdyaXR5IQ==")
        #expect(png.disposition == BodyStructure.Disposition(type: "attachment", parameters: [MIMEParameter(name: "filename", value: "a.png")]))
        #expect(png.lines == nil && png.octets == 8)
    }

    @Test func summaryIsStableThroughJSON() throws {
        let s = MessageSummary(parsing: crlf(String(decoding: try Fixture.bytes("05-nested-multipart.eml"), as: UTF8.self)))
        let data = try JSONEncoder().encode(s)
        #expect(try JSONDecoder().decode(MessageSummary.self, from: data) == s)
        #expect(s.hasAttachments)
        #expect(s.inReplyTo == ["prev@example.com"])
        #expect(s.references == ["first@example.com", "prev@example.com"])
    }

    @Test func summaryNeverFailsOnGarbage() {
        for input in [[], [0x0A], Array("\r\n\r\n".utf8), Array(repeating: 0xFF, count: 100), Array("Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n".utf8)] {
            let s = MessageSummary(parsing: input)
            #expect(s.size == input.count)
            #expect(s.location(of: []) != nil)
        }
    }
}
