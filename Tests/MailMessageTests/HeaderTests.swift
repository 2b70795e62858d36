import Foundation
import Testing
@testable import MailMessage

@Suite struct HeaderTests {
    @Test func rawBytesUnfoldingAndDuplicates() {
        let raw = crlf("Received: from a\n\tby b;\n  Mon, 2 Jan 2006 15:04:05 +0000\nX-Dup: 1\nx-dup : 2\nSubject: hello\n world\n\nbody")
        let m = MIMEMessage(parsing: raw)
        let received = m.header.field("received")!
        #expect(Array(received.raw) == Array(crlf("Received: from a\n\tby b;\n  Mon, 2 Jan 2006 15:04:05 +0000\n")))
        #expect(received.value == "from a\tby b;  Mon, 2 Jan 2006 15:04:05 +0000")
        #expect(m.header.fields(named: "X-DUP").map(\.value) == ["1", "2"])
        #expect(m.header.fields(named: "X-DUP").last?.name == "x-dup")
        #expect(m.header.subject == "hello world")
        #expect(Array(m.rawHeader) == Array(raw[0..<(raw.count - 4)]))
        #expect(m.header.fields.map(\.name) == ["Received", "X-Dup", "x-dup", "Subject"])
    }

    @Test func bareLineEndingsAndBinaryHeadersAreReported() {
        let raw: [UInt8] = Array("Subject: a\nFrom: x@y\r\nX-Bin: ".utf8) + [0xFF, 0xFE] + Array("\r\n\r\nbody".utf8)
        let m = MIMEMessage(parsing: raw)
        #expect(m.problems.contains { $0.kind == .bareLineEnding })
        #expect(m.header.field("X-Bin")?.raw.suffix(4) == [0xFF, 0xFE, 0x0D, 0x0A])
        #expect(String(decoding: m.rawBody(of: m.root), as: UTF8.self) == "body")
    }

    @Test func missingSeparatorAndMboxLine() {
        let m = MIMEMessage(parsing: crlf("From someone Mon Jan  2 15:04:05 2006\nSubject: x\nnot a header\nmore\n"))
        #expect(m.header.subject == "x")
        #expect(m.problems.map(\.kind).contains(.missingHeaderBodySeparator))
        #expect(String(decoding: m.rawBody(of: m.root), as: UTF8.self) == "not a header\r\nmore\r\n")
    }

    /// A comma separates like white space wherever it stands (the parser splits on both).
    @Test func commasSeparateLikeWhiteSpace() {
        let reference = MessageDate(parsing: "Mon, 2 Jan 2006 15:04:05 +0900")
        for text in ["Mon,2 Jan 2006 15:04:05 +0900", "Mon , 2 Jan 2006 15:04:05 +0900", "Mon, 2 Jan, 2006, 15:04:05, +0900",
                     ",Mon,,2,Jan,2006,15:04:05,+0900,", "Mon,\t2 Jan 2006 15:04:05 +0900"] {
            #expect(MessageDate(parsing: text) == reference, "\(text)")
        }
        #expect(MessageDate(parsing: "Mon, 2 Jan 2006,15:04:05") != nil)
        // ASCII values are split over their octets; anything else (or a CR) by Characters: the same.
        for text in ["Mon, 2 Jan 2006 15:04:05 +0900", "Thu, 13 Feb 1969 23:32:54 -0330 (Newfoundland (x) Time)", "2 Jan 06 15:04 GMT",
                     "(c)Tue,(a) 14 Nov (b)2023 23:30:00 +0900", "Jan 2 2006 15:04 EST", "1 Dec 2023 08:00:00 -0500 (", "\n2 Jan 2006\n15:04\n"] {
            #expect(MessageDate(parsing: text) == MessageDate(parsing: text + " (é)"), "\(text)")
            #expect(MessageDate(parsing: text) == MessageDate(parsing: text + " \r\n"), "\(text)")
        }
        #expect(MessageDate(parsing: ",,,") == nil)
    }

    @Test func dates() {
        let d = MessageDate(parsing: "Mon, 2 Jan 2006 15:04:05 +0900")!
        #expect(d.date.timeIntervalSince1970 == 1136181845)
        #expect(d.timeZoneOffsetMinutes == 540)
        #expect(MessageDate(parsing: "2 Jan 06 15:04 GMT")?.date.timeIntervalSince1970 == 1136214240)
        #expect(MessageDate(parsing: "Mon, 2 Jan 2006 15:04:05 -0000")?.timeZoneOffsetMinutes == nil)
        #expect(MessageDate(parsing: "Thu, 13 Feb 1969 23:32:54 -0330 (Newfoundland Time)")?.date.timeIntervalSince1970 == -27723426)
        #expect(MessageDate(parsing: "21 Nov 97 09:55:06 GMT")?.date.timeIntervalSince1970 == 880106106)
        #expect(MessageDate(parsing: "Mon, 2 Jan 2006 15:04:05 EST")?.timeZoneOffsetMinutes == -300)
        #expect(MessageDate(parsing: "yesterday") == nil)
        #expect(MessageDate(parsing: "Mon, 32 Jan 2006 15:04:05 +0000") == nil)
        let formatted = MessageDate.format(Date(timeIntervalSince1970: 1136181845), timeZone: TimeZone(secondsFromGMT: 9 * 3600)!)
        #expect(formatted == "Mon, 2 Jan 2006 15:04:05 +0900")
    }

    /// The byte-wise comma replacement of ASCII dates gives Foundation's result, and parses the same.
    @Test func dateCommasAsFoundationReplacesThem() {
        for text in ["Mon, 2 Jan 2006 15:04:05 +0900", ",,a,", "", "no commas", "Sat,5 Dec 2026 10:00:00 +0000\r\n",
                     "Tue, 1 Dec 2026 10:00:00 +0000 (a, b)", "Mi, 2 Déc 2026 15:04:05 +0100", "x,\u{301} y", "\u{FF0C}, z"] {
            #expect(MessageDate.commasToSpaces(text) == text.replacingOccurrences(of: ",", with: " "), "\(text.debugDescription)")
        }
        #expect(MessageDate(parsing: "Mon,2 Jan 2006 15:04:05 +0900")?.date.timeIntervalSince1970 == 1136181845)
        #expect(MessageDate(parsing: "Mon, 2 Jan 2006, 15:04:05 +0900")?.date.timeIntervalSince1970 == 1136181845)
    }

    @Test func messageIDs() {
        #expect(MessageIDParser.parse(Array("<a@b> (comment) <c@d>".utf8)) == ["a@b", "c@d"])
        #expect(MessageIDParser.parse(Array("Your message of \"Mon\" <x@y>".utf8)) == ["x@y"])
        #expect(MessageIDParser.parse(Array("bare@id.example".utf8)) == ["bare@id.example"])
    }

    @Test func contentTypeParameters() {
        let ct = ContentType(headerValue: Array("Text/Plain (a comment); Charset=\"ISO-2022-JP\"; format=flowed".utf8))!
        #expect(ct.mimeType == "text/plain")
        #expect(ct.charset == "ISO-2022-JP")
        #expect(ct.parameter("FORMAT") == "flowed")
        #expect(ContentType(headerValue: Array("garbage".utf8)) == nil)
        // found by the fuzzer: an unterminated comment at the end
        #expect(ContentType(headerValue: Array("text/plain (open".utf8))?.mimeType == "text/plain")
        #expect(ContentType(headerValue: Array("text/plain; a=b (\\".utf8))?.parameter("a")?.hasPrefix("b") == true)
        #expect(ContentType(headerValue: Array("(".utf8)) == nil)
        let sloppy = ContentType(headerValue: Array("application/octet-stream; name=my file.pdf".utf8))!
        #expect(sloppy.name == "my file.pdf")
        let noSemicolon = ContentType(headerValue: Array("text/plain charset=utf-8".utf8))
        #expect(noSemicolon == nil || noSemicolon?.subtype == "plain")
        let missingSemi = ContentType(headerValue: Array("text/plain; charset=utf-8 format=flowed".utf8))!
        #expect(missingSemi.charset == "utf-8")
        #expect(missingSemi.parameter("format") == "flowed")
    }

    @Test func rfc2231() {
        // RFC 2231 §3, §4 and §4.1 examples
        let a = ContentType(headerValue: Array("message/external-body; access-type=URL; URL*0=\"ftp://\"; URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"".utf8))!
        #expect(a.parameter("url") == "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar")
        let b = ContentType(headerValue: Array("application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A".utf8))!
        #expect(b.parameter("title") == "This is ***fun***")
        let c = ContentType(headerValue: Array("application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"".utf8))!
        #expect(c.parameter("title") == "This is even more ***fun*** isn't it!")
        // Japanese file name split mid-character across sections; out-of-order sections
        let d = ContentDisposition(headerValue: Array("attachment; filename*1*=%AC%E8%AA%9E.txt; filename*0*=UTF-8''%E6%97%A5%E6%9C".utf8))!
        #expect(d.filename == "日本語.txt")
        let sjis = ContentDisposition(headerValue: Array("attachment; filename*=shift_jis'ja'%90%BF%8B%81%8F%91.xls".utf8))!
        #expect(sjis.filename == "請求書.xls")
        // RFC 2231 wins over the plain parameter
        let both = ContentDisposition(headerValue: Array("attachment; filename=\"fallback.txt\"; filename*=UTF-8''%E2%82%AC.txt".utf8))!
        #expect(both.filename == "€.txt")
        // encoded-word inside quotes (Outlook style)
        let ew = ContentType(headerValue: Array("application/pdf; name=\"=?ISO-2022-JP?B?GyRCOCtAUT1xGyhC?=.pdf\"".utf8))!
        #expect(ew.name == "見積書.pdf")
    }

    @Test func transferEncodingNames() {
        #expect(TransferEncoding(headerValue: " Base64 ") == .base64)
        #expect(TransferEncoding(headerValue: "Quoted-Printable") == .quotedPrintable)
        #expect(TransferEncoding(headerValue: "x-uuencode") == .unknown)
    }
}
