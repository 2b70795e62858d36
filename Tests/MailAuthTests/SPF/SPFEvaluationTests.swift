import DNSMessage
import Testing
@testable import MailAuth

/// check_host() rules of RFC 7208 §4–§6 one by one.
@Suite struct SPFEvaluationTests {
    /// The Appendix A data plus `record` at example.com, split into 200-octet strings (§3.3).
    func zone(_ record: String, _ extra: String = "") -> String {
        var strings: [String] = []
        var rest = Substring(record)
        while !rest.isEmpty {
            strings.append("\"" + rest.prefix(200) + "\"")
            rest = rest.dropFirst(200)
        }
        return appendixAZone + "example.com. TXT " + strings.joined(separator: " ") + "\n" + extra
    }

    @Test func recordSelection() async throws {
        // §4.5: none without a record, permerror with two, "v=spf10" is not a record.
        #expect(try await check(appendixAZone, ip: "192.0.2.10").result == .none)
        #expect(try await check(zone("v=spf10 +all"), ip: "192.0.2.10").result == .none)
        #expect(try await check(zone("not spf at all"), ip: "192.0.2.10").result == .none)
        #expect(try await check(zone("v=spf1 +all", "example.com. TXT \"v=spf1 -all\"\n"), ip: "192.0.2.10").result == .permerror)
        #expect(try await check(zone("v=spf1 +all", "example.com. TXT \"other\"\n"), ip: "192.0.2.10").result == .pass)
        // §3.3: strings are joined without spaces; §12: "v=spf1" is case-insensitive.
        #expect(try await check(appendixAZone + "example.com. TXT \"v=spf1 ip4:192.0.2.1\" \"0 -all\"\n", ip: "192.0.2.10").result == .pass)
        #expect(try await check(zone("V=SPF1 +ALL"), ip: "192.0.2.10").result == .pass)
        // §4.3: a nonexistent or malformed domain is none.
        #expect(try await check(zone("v=spf1 +all"), ip: "192.0.2.10", sender: "a@nowhere.example.com").result == .none)
        #expect(try await check(zone("v=spf1 +all"), ip: "192.0.2.10", sender: "a@com").result == .none)
        #expect(try await check(zone("v=spf1 +all"), ip: "192.0.2.10", sender: "a@exa..mple.com").result == .none)
    }

    @Test(arguments: ["v=spf1 foo", "v=spf1 a:", "v=spf1 ip4:192.0.2.300", "v=spf1 ip4:192.0.2.1/33",
                      "v=spf1 ip6:2001:db8::/129", "v=spf1 a/33", "v=spf1 mx//129", "v=spf1 all:foo",
                      "v=spf1 include", "v=spf1 exists", "v=spf1 redirect=a.example redirect=b.example",
                      "v=spf1 exp=a.example exp=b.example", "v=spf1 -all exp=", "v=spf1 %{d}", "v=spf1 a:%{q}.example.com",
                      "v=spf1 ip4:192.0.2.01", "v=spf1 ptr/24", "v=spf1 +-all", "v=spf1 -all foo=%", "v=spf1 1foo=bar",
                      "v=spf1 ip4:192.0.2.0/024", "v=spf1 a:example.com:8080", "v=spf1 exists:%{c}.example.com"])
    func syntaxErrorsArePermerror(record: String) async throws {
        let outcome = try await check(zone(record), ip: "192.0.2.10")
        #expect(outcome.result == .permerror, "\(record): \(outcome)")
        #expect(outcome.problem != nil)
    }

    @Test func qualifiersAndDefault() async throws {
        #expect(try await check(zone("v=spf1 -a"), ip: "192.0.2.10").result == .fail)
        #expect(try await check(zone("v=spf1 ~a"), ip: "192.0.2.10").result == .softfail)
        #expect(try await check(zone("v=spf1 ?a"), ip: "192.0.2.10").result == .neutral)
        #expect(try await check(zone("v=spf1 +a"), ip: "192.0.2.10").result == .pass)
        let none = try await check(zone("v=spf1 a"), ip: "192.0.2.99")
        #expect(none.result == .neutral && none.mechanism == "default")
        // Unknown modifiers are ignored (§6).
        #expect(try await check(zone("v=spf1 foo=%{d}.bar a -all"), ip: "192.0.2.10").result == .pass)
    }

    @Test func ipv6AndDualCIDR() async throws {
        let extra = "example.com. AAAA 2001:db8::10\nexample.com. MX 30 v6mail.example.com.\nv6mail.example.com. AAAA 2001:db8:1::1\n"
        #expect(try await check(zone("v=spf1 a -all", extra), ip: "2001:db8::10").result == .pass)
        #expect(try await check(zone("v=spf1 a -all", extra), ip: "2001:db8::11").result == .fail)
        #expect(try await check(zone("v=spf1 a//64 -all", extra), ip: "2001:db8::11").result == .pass)
        #expect(try await check(zone("v=spf1 a/24 -all", extra), ip: "2001:db8::11").result == .fail)
        #expect(try await check(zone("v=spf1 a/24 -all", extra), ip: "192.0.2.200").result == .pass)
        #expect(try await check(zone("v=spf1 mx/24//48 -all", extra), ip: "2001:db8:1:ffff::1").result == .pass)
        #expect(try await check(zone("v=spf1 ip6:2001:db8::/32 -all"), ip: "2001:db8:ffff::1").result == .pass)
        #expect(try await check(zone("v=spf1 ip4:0.0.0.0/0 -all"), ip: "2001:db8::1").result == .fail)
        // An IPv4-mapped client is checked as IPv4 (§5).
        #expect(try await check(zone("v=spf1 ip4:192.0.2.10 -all"), ip: "::ffff:192.0.2.10").result == .pass)
    }

    @Test func includeResults() async throws {
        let extra = """
            pass.example.net. TXT "v=spf1 +all"
            fail.example.net. TXT "v=spf1 -all"
            soft.example.net. TXT "v=spf1 ~all"
            temp.example.net. TXT "v=spf1 a:broken.example.net -all"
            perm.example.net. TXT "v=spf1 bogus"
            """
        // §5.2 table.
        #expect(try await check(zone("v=spf1 -include:pass.example.net +all", extra), ip: "192.0.2.1").result == .fail)
        #expect(try await check(zone("v=spf1 include:fail.example.net ?all", extra), ip: "192.0.2.1").result == .neutral)
        #expect(try await check(zone("v=spf1 include:soft.example.net ?all", extra), ip: "192.0.2.1").result == .neutral)
        #expect(try await check(zone("v=spf1 include:perm.example.net +all", extra), ip: "192.0.2.1").result == .permerror)
        #expect(try await check(zone("v=spf1 include:none.example.net +all", extra), ip: "192.0.2.1").result == .permerror)
        var failing = try resolver(zone("v=spf1 include:temp.example.net +all", extra))
        failing.failures[StaticResolver.Query(try DNSName("broken.example.net"), .a)] = .responseCode(.serverFailure)
        let outcome = await SPFVerifier(resolver: failing).checkMailFrom(ip: IPAddress("192.0.2.1")!,
                                                                         mailFrom: "a@example.com", helo: "h.example")
        #expect(outcome.result == .temperror)
    }

    @Test func redirectRules() async throws {
        let extra = "target.example.net. TXT \"v=spf1 ip4:192.0.2.1 -all exp=exp.example.net\"\n"
            + "exp.example.net. TXT \"%{i} is not allowed for %{d}\"\n"
        #expect(try await check(zone("v=spf1 redirect=target.example.net", extra), ip: "192.0.2.1").result == .pass)
        let fail = try await check(zone("v=spf1 redirect=target.example.net exp=ignored.example.net", extra), ip: "192.0.2.2")
        #expect(fail.result == .fail)
        // §6.2: after a redirect the target's exp= is the one used, with its own %{d}.
        #expect(fail.explanation == "192.0.2.2 is not allowed for target.example.net")
        // §6.1: redirect to a domain without a record is permerror; redirect is ignored with all.
        #expect(try await check(zone("v=spf1 redirect=none.example.net", extra), ip: "192.0.2.1").result == .permerror)
        #expect(try await check(zone("v=spf1 ?all redirect=target.example.net", extra), ip: "192.0.2.1").result == .neutral)
    }

    @Test func explanations() async throws {
        let extra = """
            explain._spf.example.com. TXT "See http://%{d}/why.html?s=%{S}&i=%{I} (%{c} at %{r})"
            two._spf.example.com. TXT "one"
            two._spf.example.com. TXT "two"
            bad._spf.example.com. TXT "100% wrong"
            """
        let explained = try await check(zone("v=spf1 mx -all exp=explain._spf.%{d}", extra), ip: "192.0.2.99")
        #expect(explained.result == .fail)
        #expect(explained.explanation
            == "See http://example.com/why.html?s=user%40example.com&i=192.0.2.99 (192.0.2.99 at mx.receiver.example)")
        // Not for other results; and any problem means no explanation (§6.2).
        #expect(try await check(zone("v=spf1 mx ~all exp=explain._spf.%{d}", extra), ip: "192.0.2.99").explanation == nil)
        for spec in ["two._spf.%{d}", "bad._spf.%{d}", "missing._spf.%{d}"] {
            let outcome = try await check(zone("v=spf1 -all exp=\(spec)", extra), ip: "192.0.2.99")
            #expect(outcome.result == .fail && outcome.explanation == nil, "\(spec)")
        }
        // Include: the included record's exp= is not used (§6.2).
        let include = "inc.example.net. TXT \"v=spf1 -all exp=explain._spf.example.com\"\n"
        #expect(try await check(zone("v=spf1 include:inc.example.net -all", extra + include), ip: "192.0.2.99").explanation == nil)
    }

    @Test func dnsErrorsAreTemperror() async throws {
        var r = try resolver(zone("v=spf1 a mx -all"))
        r.failures[StaticResolver.Query(try DNSName("example.com"), .txt)] = .responseCode(.serverFailure)
        let v = SPFVerifier(resolver: r)
        #expect(await v.checkMailFrom(ip: IPAddress("192.0.2.10")!, mailFrom: "a@example.com", helo: "h.example").result == .temperror)
        r.failures = [StaticResolver.Query(try DNSName("mail-b.example.com"), .a): .timeout]
        let timeout = await SPFVerifier(resolver: r).checkMailFrom(ip: IPAddress("192.0.2.129")!, mailFrom: "a@example.com", helo: "h")
        #expect(timeout.result == .temperror && timeout.problem?.contains("timeout") == true)
        // §5.5: a PTR lookup error makes ptr not match rather than temperror.
        var p = try resolver(zone("v=spf1 ptr ?all"))
        p.failures = [StaticResolver.Query(IPAddress("192.0.2.65")!.reverseName, .ptr): .responseCode(.serverFailure)]
        #expect(await SPFVerifier(resolver: p).checkMailFrom(ip: IPAddress("192.0.2.65")!, mailFrom: "a@example.com", helo: "h").result == .neutral)
    }

    @Test func tenDNSTermLimit() async throws {
        let ten = Array(repeating: "a:nothing.example.com", count: 0) + Array(repeating: "mx", count: 10)
        #expect(try await check(zone("v=spf1 " + ten.joined(separator: " ") + " -all"), ip: "192.0.2.1").result == .fail)
        let eleven = Array(repeating: "mx", count: 11)
        let outcome = try await check(zone("v=spf1 " + eleven.joined(separator: " ") + " -all"), ip: "192.0.2.1")
        #expect(outcome.result == .permerror)
        // ip4, ip6, all and exp do not count.
        let cheap = (0..<20).map { "ip4:198.51.100.\($0)" } + Array(repeating: "a", count: 10)
        #expect(try await check(zone("v=spf1 " + cheap.joined(separator: " ") + " -all"), ip: "192.0.2.10").result == .pass)
        // The limit spans includes and redirects.
        var chain = ""
        for i in 0..<12 { chain += "l\(i).example.net. TXT \"v=spf1 include:l\(i + 1).example.net\"\n" }
        chain += "l12.example.net. TXT \"v=spf1 +all\"\n"
        #expect(try await check(zone("v=spf1 include:l0.example.net -all", chain), ip: "192.0.2.1").result == .permerror)
        #expect(try await check(zone("v=spf1 include:l3.example.net -all", chain), ip: "192.0.2.1").result == .pass)
    }

    @Test func voidLookupLimit() async throws {
        let two = "v=spf1 a:v1.example.com a:v2.example.com -all"
        #expect(try await check(zone(two), ip: "192.0.2.1").result == .fail)
        let three = "v=spf1 a:v1.example.com mx:v2.example.com exists:v3.example.com -all"
        let outcome = try await check(zone(three), ip: "192.0.2.1")
        #expect(outcome.result == .permerror && outcome.problem?.contains("void") == true)
        // NODATA counts like NXDOMAIN.
        let nodata = "v=spf1 mx:amy.example.com mx:bob.example.com mx:mail-a.example.com -all"
        #expect(try await check(zone(nodata), ip: "192.0.2.1").result == .permerror)
    }

    @Test func mxAndPTRNameLimits() async throws {
        var many = ""
        for i in 0..<11 { many += "many.example.net. MX \(i) h\(i).example.net.\nh\(i).example.net. A 192.0.2.\(200 + i)\n" }
        many += "ten.example.net. MX 0 h0.example.net.\n"
        for i in 1..<10 { many += "ten.example.net. MX \(i) h\(i).example.net.\n" }
        // §4.6.4: more than 10 MX names is permerror even if one would match.
        #expect(try await check(zone("v=spf1 mx:many.example.net -all", many), ip: "192.0.2.200").result == .permerror)
        #expect(try await check(zone("v=spf1 mx:ten.example.net -all", many), ip: "192.0.2.209").result == .pass)
        // §4.6.4: only the first 10 PTR names are used.
        var ptrs = ""
        for i in 0..<12 {
            ptrs += "7.2.0.192.in-addr.arpa. PTR p\(i).example.com.\np\(i).example.com. A 192.0.2.7\n"
        }
        let outcome = try await check(zone("v=spf1 ptr:p11.example.com ptr:p0.example.com -all", ptrs), ip: "192.0.2.7")
        #expect(outcome.result == .pass && outcome.mechanism == "ptr:p0.example.com")
    }

    @Test func heloAndNullSender() async throws {
        let z = appendixAZone + "mail-a.example.com. TXT \"v=spf1 a -all\"\nexample.com. TXT \"v=spf1 -all\"\n"
        let v = try verifier(z)
        let helo = await v.checkHELO(ip: IPAddress("192.0.2.129")!, helo: "mail-a.example.com")
        #expect(helo.result == .pass && helo.identity == .helo && helo.sender == "postmaster@mail-a.example.com")
        // MAIL FROM:<> is checked as postmaster@HELO (§2.4).
        let null = await v.checkMailFrom(ip: IPAddress("192.0.2.130")!, mailFrom: "<>", helo: "mail-a.example.com")
        #expect(null.result == .fail && null.sender == "postmaster@mail-a.example.com" && null.identity == .mailFrom)
        // A local-part-less sender gets "postmaster" (§4.3).
        let bare = await v.checkMailFrom(ip: IPAddress("192.0.2.130")!, mailFrom: "<@example.com>", helo: "x")
        #expect(bare.sender == "postmaster@example.com" && bare.result == .fail)
        // An address literal HELO is not a domain: none.
        #expect(await v.checkHELO(ip: IPAddress("192.0.2.1")!, helo: "[192.0.2.1]").result == .none)
    }
}
