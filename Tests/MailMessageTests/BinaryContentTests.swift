import Testing
@testable import MailMessage

/// RFC 3516 §4.4: parts with NUL re-encoded in base64, nothing lost.
@Suite struct BinaryContentTests {
    @Test func partsWithNULBecomeBase64AndDecodeBack() throws {
        let single = Array("Subject: s\r\nContent-Type: application/x\r\n\r\n".utf8) + [0, 1, 2, 0x0D, 0x0A, 0xFF]
        let out = try #require(BinaryContent.textualized(single))
        #expect(String(decoding: out, as: UTF8.self) == "Subject: s\r\nContent-Type: application/x\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECDQr/")
        let nested = Array("Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: message/rfc822\r\n\r\n".utf8)
            + Array("Subject: inner\r\nContent-Transfer-Encoding: BINARY\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".utf8)
            + [0x61, 0, 0x62] + Array("\r\n--o\r\n\r\nno header \0\r\n--o\r\nContent-Transfer-Encoding: base64\r\n\r\nAA==\r\n--o--\r\n".utf8)
        let rewritten = try #require(BinaryContent.textualized(nested))
        #expect(!rewritten.contains(0))
        #expect(String(decoding: rewritten, as: UTF8.self).components(separatedBy: "Content-Transfer-Encoding").count == 4, "the duplicate field is gone")
        let parsed = MIMEMessage(parsing: rewritten)
        let leaves = parsed.root.allParts.filter(\.isLeaf)
        #expect(leaves.map { $0.transferEncoding } == [.base64, .base64, .base64])
        #expect(leaves.map { $0.transferEncoding.decode(rewritten[$0.bodyRange.range]) } == [[0x61, 0, 0x62], Array("no header \0".utf8), [0]])
        #expect(BinaryContent.textualized(Array("Subject: none\r\n\r\ntext\r\n".utf8)) == nil)
    }
}
