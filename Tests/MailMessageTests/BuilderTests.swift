import Foundation
import Testing
@testable import MailMessage

@Suite struct BuilderTests {
    func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
    }

    func normalized(_ s: String?) -> String? {
        s.map { $0.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .newlines) }
    }

    func sample(_ charset: HeaderCharset) -> MessageBuilder {
        var b = MessageBuilder()
        b.from = [Mailbox(displayName: "山田 太郎", address: "taro@example.jp")]
        b.to = [Mailbox(displayName: "Suzuki, Hanako", address: "hanako@example.jp"), Mailbox(address: "plain@example.com")]
        b.cc = [Mailbox(displayName: "株式会社ハト 営業部 ご担当者様 (とても長い表示名で折り返しが必要になります)", address: "sales@hato.example.jp")]
        b.subject = "【重要】来週の会議について ①議題 ②資料 — Re: meeting notes, with a fairly long ASCII tail too"
        b.date = Date(timeIntervalSince1970: 1_700_000_000)
        b.timeZone = TimeZone(secondsFromGMT: 9 * 3600)!
        b.messageID = "fixed@example.jp"
        b.inReplyTo = ["prev@example.jp"]
        b.references = ["first@example.jp", "prev@example.jp"]
        b.textBody = "こんにちは。\n会議の件です。\n"
        b.htmlBody = "<p>こんにちは。<img src=\"cid:logo@x\"></p>"
        b.attachments = [
            .init(filename: "ロゴ.png", contentType: "image/png", data: [0x89, 0x50, 0x4E, 0x47, 0, 1, 2], contentID: "logo@x", isInline: true),
            .init(filename: "議事録（2023年度版）とても長いファイル名のテストです.pdf", contentType: "application/pdf", data: Array(0...255)),
            .init(filename: "clip.mp4", contentType: "video/mp4", data: Array(repeating: 7, count: 5000)),
        ]
        b.headerCharset = charset
        b.bodyCharset = charset
        return b
    }

    @Test(arguments: [HeaderCharset.utf8, .iso2022jp])
    func roundTrip(charset: HeaderCharset) throws {
        let b = sample(charset)
        let bytes = b.build()
        let m = MIMEMessage(parsing: bytes)
        #expect(m.problems.isEmpty, "\(m.problems)")
        // ISO-2022-JP is read as CP50221: JIS cells come back as their Windows-31J code points (— → ―)
        let subject = charset == .iso2022jp ? b.subject.map(ISO2022JP.toWindowsForms) : b.subject
        #expect(m.header.subject == subject)
        #expect(m.header.from.mailboxes.map(\.displayName) == b.from.map(\.displayName))
        #expect(m.header.to.mailboxes.map(\.displayName) == b.to.map(\.displayName))
        #expect(m.header.to.mailboxes.map(\.address) == b.to.map(\.address))
        #expect(m.header.cc.mailboxes.map(\.displayName) == b.cc.map(\.displayName))
        #expect(m.header.messageID == "fixed@example.jp")
        #expect(m.header.references == b.references)
        #expect(m.header.date?.date == b.date)
        #expect(normalized(m.textBody) == normalized(b.textBody))
        let attachments = m.attachments
        #expect(attachments.map(\.filename) == ["議事録（2023年度版）とても長いファイル名のテストです.pdf", "clip.mp4"])
        #expect(attachments.map { m.decodedBody(of: $0) } == [Array(0...255), Array(repeating: 7, count: 5000)])
        let inline = m.root.allParts.first { $0.header.contentID == "logo@x" }
        #expect(inline?.filename == "ロゴ.png")
        #expect(inline.map { m.decodedBody(of: $0) } == [0x89, 0x50, 0x4E, 0x47, 0, 1, 2])
        #expect(m.root.contentType.mimeType == "multipart/mixed")
        #expect(m.part(at: [1])?.contentType.mimeType == "multipart/alternative")
        #expect(m.part(at: [1, 2])?.contentType.mimeType == "multipart/related")
        if charset == .iso2022jp {
            #expect(m.header.field("Subject")!.value.contains("=?ISO-2022-JP?B?"))
            #expect(m.part(at: [1, 1])?.contentType.charset == "ISO-2022-JP")
            #expect(m.part(at: [1, 1])?.transferEncoding == .sevenBit)
        } else {
            #expect(m.header.field("Subject")!.value.contains("=?UTF-8?B?"))
        }
    }

    @Test(arguments: [HeaderCharset.utf8, .iso2022jp])
    func headerLinesFoldAt78AndEncodedWordsStayWhole(charset: HeaderCharset) {
        let bytes = sample(charset).build()
        let header = lines(bytes).prefix { !$0.isEmpty }
        for line in header {
            #expect(line.utf8.count <= 78, "\(line)")
        }
        // every encoded-word is complete on its line and at most 75 characters
        for line in header {
            var rest = Substring(line)
            while let start = rest.range(of: "=?") {
                guard let end = rest[start.upperBound...].range(of: "?=", options: [], range: nil, locale: nil) else { break }
                let afterEncoding = rest[start.lowerBound...].dropFirst(2)
                let word = rest[start.lowerBound..<end.upperBound]
                if afterEncoding.contains("?B?") || afterEncoding.contains("?b?") { #expect(word.count <= 75, "\(word)") }
                rest = rest[end.upperBound...]
            }
        }
    }

    @Test func noLineOver998AndCRLFOnly() {
        var b = MessageBuilder()
        b.from = [Mailbox(address: "a@example.com")]
        b.to = [Mailbox(address: "b@example.com")]
        b.subject = String(repeating: "x", count: 2000)
        b.textBody = String(repeating: "long line without breaks ", count: 100) + "\n" + String(repeating: "é", count: 1500)
        b.extraHeaders = [(name: "X-Long", value: String(repeating: "word ", count: 400))]
        let bytes = b.build()
        for (k, byte) in bytes.enumerated() where byte == 0x0A { #expect(k > 0 && bytes[k - 1] == 0x0D) }
        for (k, byte) in bytes.enumerated() where byte == 0x0D { #expect(k + 1 < bytes.count && bytes[k + 1] == 0x0A) }
        for line in lines(bytes) { #expect(line.utf8.count <= 998) }
        let m = MIMEMessage(parsing: bytes)
        #expect(m.header.subject == b.subject)
        #expect(normalized(m.textBody) == normalized(b.textBody))
        #expect(m.root.transferEncoding == .quotedPrintable || m.root.transferEncoding == .base64)
    }

    @Test func transferEncodingChoice() {
        var b = MessageBuilder()
        b.from = [Mailbox(address: "a@example.com")]
        b.textBody = "plain ascii\n"
        #expect(MIMEMessage(parsing: b.build()).root.transferEncoding == .sevenBit)
        b.textBody = "日本語のテキスト\n"
        #expect(MIMEMessage(parsing: b.build()).root.transferEncoding == .eightBit)
        b.allow8bit = false
        let m = MIMEMessage(parsing: b.build())
        #expect(m.root.transferEncoding == .base64)
        #expect(m.bytes.allSatisfy { $0 < 0x80 })
        #expect(normalized(m.textBody) == "日本語のテキスト")
        b.textBody = "mostly ascii with one é\n"
        #expect(MIMEMessage(parsing: b.build()).root.transferEncoding == .quotedPrintable)
    }

    @Test func generatedDateAndMessageID() {
        var b = MessageBuilder()
        b.from = [Mailbox(address: "a@example.org")]
        let m = MIMEMessage(parsing: b.build())
        #expect(m.header.messageID?.hasSuffix("@example.org") == true)
        #expect(m.header.date != nil)
        #expect(m.header.mimeVersion == "1.0")
    }

    @Test func randomRoundTrips() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abc XYZ 日本語テキストｶﾅ①㈱ éü\"\\()<>,;:@.=?_ 😀\t")
        for _ in 0..<200 {
            let n = Int.random(in: 0...120, using: &rng)
            let subject = String((0..<n).map { _ in alphabet.randomElement(using: &rng)! })
            let name = String((0..<Int.random(in: 1...30, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            var b = MessageBuilder()
            b.from = [Mailbox(displayName: name, address: "x@example.com")]
            b.subject = subject
            b.headerCharset = Bool.random(using: &rng) ? .utf8 : .iso2022jp
            b.textBody = subject
            let bytes = b.build()
            let m = MIMEMessage(parsing: bytes)
            // Whitespace inside the value is kept except that runs at the ends may be trimmed;
            // ISO-2022-JP writes half-width kana full-width (CP50220), so compare widened.
            func same(_ s: String?) -> String { ISO2022JP.widenHalfWidthKana((s ?? "").trimmingCharacters(in: .whitespaces)) }
            #expect(same(m.header.subject) == same(subject), "subject \(subject.debugDescription)")
            let gotName = m.header.from.mailboxes.first?.displayName
            #expect(same(gotName) == same(name), "name \(name.debugDescription) -> \(String(describing: gotName))")
            for line in lines(bytes) { #expect(line.utf8.count <= 998) }
        }
    }
}
