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

/// `EmailAddress.isDotString` tests ASCII text octet by octet; the rule it replaced split the text into atoms and
/// tested Unicode scalars. Both must say the same of any text (RFC 5321 §4.1.2 Dot-string, with
/// RFC 6531's non-ASCII scalars as atext).
@Suite struct DotStringOctetTests {
    static func byScalars(_ text: Substring) -> Bool {
        text.split(separator: ".", omittingEmptySubsequences: false)
            .allSatisfy { atom in !atom.isEmpty && atom.unicodeScalars.allSatisfy(EmailAddress.isAtext) }
    }

    @Test func octetRuleAgreesWithTheScalarRule() {
        let pieces = ["a", "Z", "0", ".", "..", "-", "+", "!", "#", "~", "`", "{", "|", "\"", "(", ")", ",", ":", ";", "<",
                      ">", "@", "[", "]", "\\", " ", "\t", "\u{7F}", "\u{1}", "é", "日本", "😀", "\u{301}", "ü"]
        var generator = SystemRandomNumberGenerator()
        var samples: [String] = ["", ".", "a.", ".a", "a..b", "a.b", "user+tag", "日本.語", "a b", "\"x\""]
        for _ in 0..<5000 {
            let count = Int.random(in: 1...8, using: &generator)
            samples.append((0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for text in samples {
            #expect(EmailAddress.isDotString(Substring(text)) == Self.byScalars(Substring(text)), "\(text.debugDescription)")
        }
    }

    @Test func parsedAddressesKeepTheirLengthLimit() throws {
        let local = String(repeating: "a", count: 64)
        let domain = (0..<4).map { _ in String(repeating: "b", count: 47) }.joined(separator: ".") + ".example"  // 199 octets
        #expect(throws: MailCoreError.self) { try EmailAddress("\(local)@\(domain)") }  // 64 + 1 + 199 = 264 > 254
        let fits = String(repeating: "b", count: 63) + "." + String(repeating: "c", count: 63) + "." + String(repeating: "d", count: 48) + ".example"
        let address = try EmailAddress("\(local)@\(fits)")  // 64 + 1 + 184 = 249
        #expect(address.description.utf8.count == 249)
        // Quoted, the 64-octet local part is written with two more octets: 66 + 1 + 189 = 256.
        let longer = try Domain(fits + "xxxxx")
        #expect(throws: MailCoreError.self) { try EmailAddress(localPart: "a b" + String(repeating: "c", count: 61), domain: longer) }
        #expect(try EmailAddress(localPart: "abc" + String(repeating: "c", count: 61), domain: longer).description.utf8.count == 254)
    }
}

extension DotStringOctetTests {
    /// The ASCII path of `EmailAddress(_:)` and the general one give the same address or both
    /// refuse, for texts made of the pieces addresses and attacks are made of.
    @Test func asciiPathAgreesWithTheGeneralPath() {
        let pieces = ["a", "B", "7", ".", "@", "<", ">", "\"", "[", "]", "1.2.3.4", "-", "_", "+", " ", "\\", "é", "日", "\r\n",
                      "\u{301}", "example", "com", "xn--bcher-kva", "@@", "..", String(repeating: "x", count: 70)]
        var generator = SystemRandomNumberGenerator()
        var samples = ["a@b.example", "<a@b.example>", "\"a b\"@b.example", "a@[192.0.2.1]", "a@", "@b.example", "a.@b.example",
                       "A.B+c@Example.COM", "a@b@c.example", "user@xn--bcher-kva.example", "a@-b.example", "a@b..example"]
        for _ in 0..<8000 {
            let count = Int.random(in: 1...7, using: &generator)
            samples.append((0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for _ in 0..<2000 {  // and well-formed ones, most of which parse
            let local = (0..<Int.random(in: 1...3, using: &generator)).map { _ in ["a", "B.c", "d+e", "é", "x-y", "\"q r\""].randomElement(using: &generator)! }.joined()
            let domain = (0..<Int.random(in: 1...3, using: &generator)).map { _ in ["mail", "Example", "xn--bcher-kva", "日本", "a-b"].randomElement(using: &generator)! }.joined(separator: ".")
            samples.append("\(local)@\(domain)")
        }
        var parsed = 0
        for text in samples {
            let fast = try? EmailAddress(text), general = try? EmailAddress(generalParsing: text)
            if fast != nil { parsed += 1 }
            #expect(fast == general, "\(text.debugDescription)")
            #expect(fast?.localPart == general?.localPart && fast?.domain.name == general?.domain.name)
        }
        #expect(parsed > 1000, "the samples include addresses that parse: \(parsed)")
    }
}
