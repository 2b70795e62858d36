import Foundation
import Testing
@testable import SMTPClient

@Suite struct SevenBitConversionTests {
    func convert(_ text: String) throws -> String {
        String(decoding: try SevenBitConversion.convert(SMTPMessageEncoding.normalizingLineEndings(Array(text.utf8))), as: UTF8.self)
    }

    @Test func aSinglePartMessageGetsQuotedPrintableAndMIMEVersion() throws {
        let converted = try convert("Subject: x\nContent-Transfer-Encoding: 8bit\n\nGrüße = schön \n")
        #expect(converted == "Subject: x\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe =3D sch=C3=B6n=20\r\n")
    }

    @Test func sevenBitMessagesAreUntouched() throws {
        let text = "Subject: x\r\n\r\nplain\r\n"
        #expect(try convert(text) == text)
    }

    @Test func longLinesGetSoftBreaksWithinSeventySixCharacters() throws {
        let body = String(repeating: "ä", count: 60)
        let converted = try convert("Subject: x\r\nMIME-Version: 1.0\r\n\r\n\(body)\r\n")
        let lines = converted.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        let encoded = lines.drop(while: { !$0.isEmpty }).dropFirst().joined(separator: "\r\n")
        #expect(encoded.replacingOccurrences(of: "=\r\n", with: "") == String(repeating: "=C3=A4", count: 60) + "\r\n")
    }

    @Test func refusals() {
        #expect(throws: SevenBitConversion.Failure(reason: "8-bit octets in a header field")) { try convert("Subject: Grüße\r\n\r\nü\r\n") }
        #expect(throws: SevenBitConversion.Failure(reason: "8-bit octets in a part labelled base64")) {
            try convert("Content-Transfer-Encoding: base64\r\n\r\nü\r\n")
        }
        #expect(throws: SevenBitConversion.Failure(reason: "8-bit octets in a multipart preamble")) {
            try convert("Content-Type: multipart/mixed; boundary=b\r\n\r\nü\r\n--b\r\n\r\nx\r\n--b--\r\n")
        }
        #expect(throws: SevenBitConversion.Failure(reason: "multipart without a boundary")) {
            try convert("Content-Type: multipart/mixed\r\n\r\nü\r\n")
        }
        #expect(throws: SevenBitConversion.Failure(reason: "8-bit octets in a message/global part")) {
            try convert("Content-Type: message/global\r\n\r\nSubject: ü\r\n\r\nü\r\n")
        }
        let deep = String(repeating: "Content-Type: message/rfc822\r\n\r\n", count: 40) + "\r\nü\r\n"
        #expect(throws: SevenBitConversion.Failure(reason: "MIME nesting deeper than 32")) { try convert(deep) }
    }

    @Test func anEmbeddedMessageIsConvertedInside() throws {
        let converted = try convert("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\nSubject: inner\r\n\r\nü\r\n")
        #expect(converted == "Content-Type: message/rfc822\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: 7bit\r\n\r\nSubject: inner\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C3=BC\r\n")
    }

    @Test func base64ForNonTextParts() {
        #expect(Base64Lines.encode(Array("Man".utf8)[...], lineLength: nil) == Array("TWFu".utf8))
        #expect(Base64Lines.encode(Array("Ma".utf8)[...], lineLength: nil) == Array("TWE=".utf8))
        #expect(Base64Lines.encode(Array(repeating: 0, count: 60)[...]).split(separator: 13).first?.count == 76)
    }
}
