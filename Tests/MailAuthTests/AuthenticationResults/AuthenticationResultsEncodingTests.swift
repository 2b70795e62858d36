import Testing
@testable import MailAuth

/// The byte tests of token, domain and dot-atom agree with the scalar tests they replaced
/// (kept here as the reference), on ASCII texts and on texts with other characters.
@Suite struct AuthenticationResultsEncodingTests {
    static let tspecials = Set("()<>@,;:\\\"/[]?=".unicodeScalars)

    static func referenceIsToken(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !tspecials.contains($0) }
    }

    static func referenceIsDomain(_ text: Substring) -> Bool {
        !text.isEmpty && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")) || $0.value > 0x7F }
        }
    }

    static func referenceIsDotAtom(_ text: Substring) -> Bool {
        let atext = Set("!#$%&'*+-/=?^_`{|}~".unicodeScalars)
        return !text.isEmpty && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { atom in
            !atom.isEmpty && atom.unicodeScalars.allSatisfy {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || atext.contains($0))) || $0.value > 0x7F
            }
        }
    }

    static func check(_ text: String) {
        #expect(AuthenticationResultsEncoding.isToken(text) == referenceIsToken(text), "\(text.debugDescription)")
        #expect(AuthenticationResultsEncoding.isDomain(text[...]) == referenceIsDomain(text[...]), "\(text.debugDescription)")
        #expect(AuthenticationResultsEncoding.isDotAtom(text[...]) == referenceIsDotAtom(text[...]), "\(text.debugDescription)")
    }

    @Test func examples() {
        for text in ["", ".", "a", "a.", ".a", "a..b", "bench-sender.example", "user+tag", "a/b=c", "x y", "mx.example.test",
                     "Kx3/abc+d", "é.example", "a.\u{301}b", "münchen.de", "a\u{7F}", "\r\n", "a.b\r\n", "!#$%&'*+-/=?^_`{|}~", "\"q\""] {
            Self.check(text)
        }
    }

    @Test func commentTextAsTheScalarFilter() {
        for text in ["p=reject dis=none", "", "a(b)c", "back\\slash", "tab\there", "del\u{7F}", "日本(語)", "e\u{301}(x)", "\r\n"] {
            let reference = String(String.UnicodeScalarView(text.unicodeScalars.filter {
                $0.value >= 0x20 && $0.value != 0x7F && $0 != "(" && $0 != ")" && $0 != "\\"
            }))
            #expect(AuthenticationResultsEncoding.commentText(text) == reference, "\(text.debugDescription)")
        }
    }

    @Test func encodedResinfo() {
        let result = AuthenticationResult(method: "dmarc", result: "pass", reason: "two words", comment: "p=reject (dis)",
                                          properties: [.init("header", "from", "bench-sender.example"), .init("smtp", "mailfrom", "a b@x.example")])
        #expect(result.encoded == "dmarc=pass (p=reject dis) reason=\"two words\" header.from=bench-sender.example smtp.mailfrom=\"a b@x.example\"")
        #expect(AuthenticationResult(method: "spf", result: "none").encoded == "spf=none")
    }

    @Test func randomTexts() {
        let alphabet: [Character] = ["a", "Z", "0", "9", "-", ".", "@", "/", "=", "+", "!", "~", " ", "\t", "\"", "(", "\\", "\u{7F}",
                                     "\u{1}", "é", "\u{301}", "ß", "\r\n", "\n"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            Self.check(String((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        }
    }
}
