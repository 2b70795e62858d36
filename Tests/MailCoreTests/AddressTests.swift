import Testing
@testable import MailCore

@Suite struct DomainTests {
    @Test func lowercasesAndStripsTrailingDot() throws {
        #expect(try Domain("Example.COM.").name == "example.com")
    }

    @Test(arguments: ["", "a..b", "-a.com", "a-.com", "a_b.com", String(repeating: "a", count: 64) + ".com"])
    func rejectsInvalid(_ text: String) {
        #expect(throws: MailCoreError.self) { try Domain(text) }
    }

    // RFC 3492 §7.1 sample (B) uses mixed case; these are the IDNA forms browsers produce.
    @Test func convertsUnicodeToALabels() throws {
        #expect(try Domain("例え.テスト").name == "xn--r8jz45g.xn--zckzah")
        #expect(try Domain("bücher.example").name == "xn--bcher-kva.example")
        #expect(try Domain("日本語.jp").name == "xn--wgv71a119e.jp")
    }
}

@Suite struct EmailAddressTests {
    @Test func parsesPlainAndBracketed() throws {
        let a = try EmailAddress("<Alice@Example.Test>")
        #expect(a.localPart == "Alice")
        #expect(a.domain.name == "example.test")
        #expect(a.canonical == "alice@example.test")
        #expect(a.description == "Alice@example.test")
    }

    @Test func parsesQuotedLocalPart() throws {
        let a = try EmailAddress("\"john doe\"@example.test")
        #expect(a.localPart == "john doe")
        #expect(a.description == "\"john doe\"@example.test")
    }

    @Test func acceptsUTF8LocalPart() throws {
        let a = try EmailAddress("山田@例え.テスト")
        #expect(a.localPart == "山田")
        #expect(a.domain.name == "xn--r8jz45g.xn--zckzah")
    }

    @Test(arguments: ["nobody", "@example.test", "a..b@example.test", ".a@example.test", "a@[192.0.2.1]",
                      "a b@example.test", String(repeating: "x", count: 65) + "@example.test", "\"unterminated@example.test"])
    func rejectsInvalid(_ text: String) {
        #expect(throws: MailCoreError.self) { try EmailAddress(text) }
    }

    @Test func subaddressing() throws {
        let a = try EmailAddress("bob+lists@example.test")
        #expect(a.removingSubaddress()?.canonical == "bob@example.test")
        #expect(a.subaddress() == "lists")
        #expect(try EmailAddress("+x@example.test").removingSubaddress() == nil)
        #expect(try EmailAddress("bob@example.test").removingSubaddress() == nil)
    }
}
