import Testing
@testable import MailMessage

@Suite struct TransferEncodingTests {
    @Test func base64Tolerance() {
        #expect(Base64.decode(Array("aGVs\r\nbG8=".utf8)).bytes == Array("hello".utf8))
        #expect(Base64.decode(Array("aGVsbG8".utf8)).bytes == Array("hello".utf8))           // missing padding
        #expect(Base64.decode(Array("YQ==YQ==".utf8)).bytes == Array("aa".utf8))            // concatenated chunks
        let junk = Base64.decode(Array("aGVs*bG8=".utf8))
        #expect(junk.bytes == Array("hello".utf8) && !junk.clean)
        for n in 0..<40 {
            let data = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let encoded = Base64.encode(data, lineLength: 76)
            #expect(Base64.decode(encoded).bytes == data)
        }
        #expect(Base64.encode(Array(repeating: 0, count: 100), lineLength: 76).split(separator: 0x0A).allSatisfy { $0.count <= 77 })
    }

    @Test func quotedPrintable() {
        #expect(QuotedPrintable.decode(Array("a=3Db=\r\nc  \r\nd=e9".utf8)).bytes == Array("a=bc\r\nd".utf8) + [0xE9])
        let bad = QuotedPrintable.decode(Array("x=ZZy".utf8))
        #expect(bad.bytes == Array("x=ZZy".utf8) && !bad.clean)
        let text = Array("Grüße aus Köln. A line that is long enough to need a soft line break somewhere in the middle of it, surely.\r\ntrailing space \r\n.dot\r\nFrom here".utf8)
        let encoded = QuotedPrintable.encode(text)
        #expect(encoded.allSatisfy { $0 < 0x80 })
        #expect(String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
        #expect(QuotedPrintable.decode(encoded).bytes == text)
    }
}
