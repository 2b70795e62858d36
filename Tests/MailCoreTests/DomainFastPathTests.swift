import Testing
@testable import MailCore

/// The byte path for ASCII domains gives what the general path gives, and takes every valid
/// ASCII name (anything it declines goes the general way, which explains the error).
@Suite struct DomainFastPathTests {
    static func check(_ text: String) {
        let general = try? Domain.generalName(text)
        let ascii = Domain.asciiName(text)
        if let ascii { #expect(ascii == general, "\(text.debugDescription)") }
        if general != nil, text.utf8.allSatisfy({ $0 < 0x80 }) { #expect(ascii != nil, "\(text.debugDescription)") }
        #expect((try? Domain(text))?.name == general, "\(text.debugDescription)")
    }

    @Test func examples() {
        for text in ["example.com", "Example.COM.", "bench-sender.example", "a", "a.", "a..", ".", "", "-a.b", "a-.b", "a.-b", "xn--r8jz45g.xn--zckzah",
                     "例え.テスト", "münchen.de", "a_b.example", "a b.example", "a.b\r\n", String(repeating: "a", count: 63) + ".x",
                     String(repeating: "a", count: 64) + ".x", Array(repeating: "abcdefghi", count: 25).joined(separator: "."),
                     Array(repeating: "abcdefghi", count: 26).joined(separator: "."), "1.2.3.4", "[192.0.2.1]"] {
            Self.check(text)
        }
    }

    @Test func randomASCIITexts() {
        let alphabet = Array("aZ09-._ \n".utf8)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...14, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            Self.check(String(decoding: bytes, as: UTF8.self))
        }
    }
}
