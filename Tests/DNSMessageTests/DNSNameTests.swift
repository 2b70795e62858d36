import Testing
@testable import DNSMessage

@Suite struct DNSNameTests {
    @Test func parsesAndPrintsPresentationForm() throws {
        #expect(try DNSName("Example.COM").description == "Example.COM.")
        #expect(try DNSName("example.com.").labels.count == 2)
        #expect(try DNSName(".") == .root)
        #expect(try DNSName("") == .root)
        #expect(DNSName.root.description == ".")
        #expect(try DNSName("a\\.b.example").labels.first == Array("a.b".utf8))
        #expect(try DNSName("a\\046b.example").labels.first == Array("a.b".utf8))
        #expect(try DNSName("a\\.b.example").description == "a\\.b.example.")
        #expect(try DNSName(labels: [[0x00, 0x41]]).description == "\\000A.")
    }

    @Test func comparesCaseInsensitively() throws {
        #expect(try DNSName("EXAMPLE.com") == DNSName("example.COM."))
        #expect(try DNSName("EXAMPLE.com").hashValue == DNSName("example.com").hashValue)
        #expect(try DNSName("example.com") != DNSName("example.org"))
    }

    @Test func rejectsRFC1035LimitViolations() {
        #expect(throws: DNSNameError.emptyLabel) { try DNSName("a..b") }
        #expect(throws: DNSNameError.emptyLabel) { try DNSName(".a") }
        #expect(throws: DNSNameError.labelTooLong) { try DNSName(String(repeating: "a", count: 64) + ".com") }
        #expect((try? DNSName(String(repeating: "a", count: 63) + ".com")) != nil)
        // 4 × 63-octet labels = 4 × 64 + 1 = 257 octets on the wire: too long.
        let long = Array(repeating: String(repeating: "b", count: 63), count: 4).joined(separator: ".")
        #expect(throws: DNSNameError.nameTooLong) { try DNSName(long) }
        #expect(throws: DNSNameError.badEscape) { try DNSName("a\\2") }
        #expect(throws: DNSNameError.badEscape) { try DNSName("a\\300") }
    }

    @Test func subdomainsAndParents() throws {
        let n = try DNSName("mail.example.com")
        #expect(n.isSubdomain(of: try DNSName("example.com")))
        #expect(n.isSubdomain(of: try DNSName("MAIL.example.com")))
        #expect(!(try DNSName("mail.bad-example.com")).isSubdomain(of: try DNSName("example.com")))
        #expect(n.isSubdomain(of: .root))
        #expect(n.parent == (try DNSName("example.com")))
        #expect(DNSName.root.parent == .root)
    }

    @Test func canonicalOrderFollowsRFC4034() throws {
        // RFC 4034 §6.1 example order.
        let ordered = ["example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.",
                       "z.example.", "\\001.z.example.", "*.z.example.", "\\200.z.example."]
        let names = try ordered.map { try DNSName($0) }
        #expect(names.shuffled().sorted() == names)
    }
}
