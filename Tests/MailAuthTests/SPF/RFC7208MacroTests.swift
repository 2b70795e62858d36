import DNSMessage
import Testing
@testable import MailAuth

/// RFC 7208 §7.4, every expansion example, and the same macros used through DNS.
@Suite struct RFC7208MacroTests {
    static let examples: [(String, String)] = [
        ("%{s}", "strong-bad@email.example.com"),
        ("%{o}", "email.example.com"),
        ("%{d}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d3}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}", "strong-bad"),
        ("%{l-}", "strong.bad"),
        ("%{lr}", "strong-bad"),
        ("%{lr-}", "bad.strong"),
        ("%{l1r-}", "strong"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
        ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
        ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
    ]

    @Test(arguments: examples)
    func section74(macro: String, expansion: String) throws {
        let spec = try SPFMacroString.parseDomainSpec(Substring(macro))
        #expect(spec.expandDomain(in: section74Context()) == expansion)
    }

    @Test func section74IPv6() throws {
        let spec = try SPFMacroString.parseDomainSpec("%{ir}.%{v}._spf.%{d2}")
        #expect(spec.expandDomain(in: section74Context(ip: "2001:db8::cb01"))
            == "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com")
    }

    @Test func escapesAndExplanationLetters() throws {
        let context = section74Context()
        // §7.1 special cases, §7.3 URL escaping of uppercase letters.
        #expect(try SPFMacroString.parse("%%%_%-").expand(in: context) == "% %20")
        #expect(try SPFMacroString.parse("%{S}").expand(in: context) == "strong-bad%40email.example.com")
        #expect(try SPFMacroString.parse("%{c} %{r} %{t} %{p} %{h}", allowSpace: true).expand(in: context)
            == "192.0.2.3 mx.receiver.example 1700000000 mx.example.org mx.example.org")
        #expect(try SPFMacroString.parse("%{c}").expand(in: section74Context(ip: "2001:db8::cb01")) == "2001:db8::cb01")
    }

    @Test(arguments: ["%(ir).sbl.example.org", "%{x}.example.org", "%{d0}.example.org", "%{d*}.example.org",
                      "%{d", "a%", "example", "example.123", "example.-com", "exa mple.com"])
    func malformedMacroStringsAreSyntaxErrors(spec: String) {
        #expect(throws: SPFSyntaxError.self) { try SPFMacroString.parseDomainSpec(Substring(spec)) }
    }

    @Test func longExpansionsAreCutFromTheLeft() throws {
        var context = section74Context()
        context.localPart = String(repeating: "a", count: 60) + "." + String(repeating: "b", count: 60) + "."
            + String(repeating: "c", count: 60) + "." + String(repeating: "d", count: 60)
        let name = try SPFMacroString.parseDomainSpec("%{l}.%{l}.example.com.").expandDomain(in: context)
        #expect(name.utf8.count <= 253)
        #expect(name.hasSuffix(".example.com"))
        #expect(name.hasPrefix("a") || name.hasPrefix("b") || name.hasPrefix("c") || name.hasPrefix("d"))
    }

    @Test func macrosThroughDNS() async throws {
        let zone = """
            email.example.com. TXT "v=spf1 exists:%{ir}.%{v}._spf.%{d2} exists:%{lr-}.lp._spf.%{d2} -all"
            3.2.0.192.in-addr._spf.example.com. A 127.0.0.2
            bad.strong.lp._spf.example.com. A 127.0.0.2
            1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com. A 127.0.0.2
            """
        #expect(try await check(zone, ip: "192.0.2.3", sender: "someone@email.example.com").result == .pass)
        #expect(try await check(zone, ip: "2001:db8::cb01", sender: "someone@email.example.com").result == .pass)
        #expect(try await check(zone, ip: "192.0.2.4", sender: "strong-bad@email.example.com").result == .pass)
        #expect(try await check(zone, ip: "192.0.2.4", sender: "good@email.example.com").result == .fail)
    }

    @Test func validatedNameMacro() async throws {
        let zone = appendixAZone + """
            example.com. TXT "v=spf1 exists:%{p}.allowed.example.com -all"
            amy.example.com.allowed.example.com. A 127.0.0.2
            """
        #expect(try await check(zone, ip: "192.0.2.65").result == .pass)
        // 10.0.0.4 claims bob.example.com, which does not resolve back: %{p} is "unknown".
        #expect(try await check(zone, ip: "10.0.0.4").result == .fail)
    }
}
