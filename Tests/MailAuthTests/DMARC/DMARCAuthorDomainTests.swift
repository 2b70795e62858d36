import Testing
@testable import MailAuth

/// The byte walk for ASCII From values finds the domains the Character walk finds.
@Suite struct DMARCAuthorDomainTests {
    static let examples = [
        "Load <load@bench-sender.example>", "a@b.example", "a@b.example, c@d.example", "\"Doe, J\" <j@x.example>",
        "(comment) a@(inner) b.example", "Group: a@b.example, c@d.example;", "<@route1,@route2:user@host.example>",
        "\"quoted\\\"@evil.example\" <ok@good.example>", "a\\@b@c.example", "x@[192.0.2.1]", "a@b c.example",
        "undisclosed-recipients:;", "", "   ", "no at sign", "(unclosed a@b.example", "\"unclosed a@b.example",
        "A <a@B.Example>\t", "a@b.example\n", "a@\u{0B}b.example\u{0C}", "Grp: <a@b.example>, z@y.example",
        "x@y.example (c (nested) c) , <p@q.example>", "Zoë <z@b.example>", "a@b.example\r\n", "n\u{301}\"a@b.example\"",
    ]

    @Test(arguments: examples)
    func asciiWalkAgrees(_ value: String) {
        #expect(DMARCAuthorDomains.addressDomains(value) == DMARCAuthorDomains.characterAddressDomains(value))
        let isPlainASCII = value.utf8.allSatisfy { $0 < 0x80 && $0 != 0x0D }
        #expect((DMARCAuthorDomains.asciiAddressDomains(value) != nil) == isPlainASCII)
    }

    @Test func randomASCIIValuesAgree() {
        let alphabet = Array("ab.@<>(),;:\"\\[] \t\n\u{0B}xy".utf8)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...30, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let value = String(decoding: bytes, as: UTF8.self)
            #expect(DMARCAuthorDomains.asciiAddressDomains(value) == DMARCAuthorDomains.characterAddressDomains(value), "\(value.debugDescription)")
        }
    }
}
