import Foundation

/// SplitMix64: deterministic, so a disagreement reproduces from its case number.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct DifferentialCase: Codable {
    var id: Int
    var ip: String
    var sender: String
    var helo: String
    var domain: String
    var policy: String
}

/// Random SPF policies over a fixed DNS world, covering every mechanism, qualifiers, CIDR
/// lengths, macros, includes, redirects, exp=, syntax errors and the lookup and void limits.
///
/// Left out on purpose, because pyspf departs from RFC 7208 there (each is tested on its own
/// against the RFC in SPFEvaluationTests or RFC7208MacroTests):
/// - non-"." delimiters on letters other than l and s: pyspf rejoins with the delimiter, §7.3
///   says rejoin with ".";
/// - redirect= next to 10 DNS terms: pyspf counts redirect before the mechanisms run, §6.1
///   evaluates (and so counts) it only when no mechanism matched;
/// - DNS errors on PTR lookups: pyspf returns temperror, §5.5 says the ptr does not match;
/// - names over 253 characters: pyspf drops one label, §7.3 drops labels until it fits.
/// One remaining difference is judged by `PySPFDifferentialTests.explainedDivergence`.
struct PySPFPolicyGenerator {
    static let base = "dt.example"

    /// The DNS world every policy is evaluated in.
    static let world = """
        $ORIGIN dt.example.
        @            SOA ns hostmaster 1 3600 600 86400 60
        h1           A 192.0.2.1
        h2           A 192.0.2.2
        h3           A 192.0.2.3
        h3           AAAA 2001:db8::3
        h4           A 192.0.2.4
        h4           AAAA 2001:db8::4
        h5           A 198.51.100.5
        nov6         A 192.0.2.9
        mx1          MX 10 h1
        mx1          MX 20 h2
        mx2          MX 10 h3
        mxv          MX 10 gone
        mxv          MX 20 h4
        www          CNAME h2
        1.2.0.192.in TXT "not an address"
        1.2.0.192.in A 127.0.0.2
        3.2.0.192.in A 127.0.0.2
        alice.users  A 127.0.0.2
        first.last.users A 127.0.0.2
        2.0.192.in-addr.rev A 127.0.0.2
        inc-pass     TXT "v=spf1 ip4:192.0.2.0/29 -all"
        inc-fail     TXT "v=spf1 -all"
        inc-soft     TXT "v=spf1 ~all"
        inc-neutral  TXT "v=spf1 ?all"
        inc-perm     TXT "v=spf1 ip4:192.0.2.999"
        inc-a        TXT "v=spf1 a:h4.dt.example -all"
        inc-mx       TXT "v=spf1 mx:mx1.dt.example//64 -all"
        inc-nested   TXT "v=spf1 include:inc-a.dt.example ip6:2001:db8::/64 -all"
        inc-macro    TXT "v=spf1 exists:%{l}.users.%{o} -all"
        red1         TXT "v=spf1 ip4:192.0.2.5 ip6:2001:db8::5 -all"
        red2         TXT "v=spf1 a:h1.dt.example redirect=red1.dt.example"
        exp1         TXT "Denied: %{i} is not allowed for %{d} (sender %{s}, helo %{h})"
        exp2         TXT "%{l} from %{o} via %{v}"
        expbad       TXT "bad % macro"
        expmany      TXT "one"
        expmany      TXT "two"
        $ORIGIN 2.0.192.in-addr.arpa.
        1            PTR h1.dt.example.
        2            PTR h2.dt.example.
        2            PTR fake.other.example.
        4            PTR h4.dt.example.
        6            PTR h1.dt.example.
        $ORIGIN 8.b.d.0.1.0.0.2.ip6.arpa.
        4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR h4.dt.example.

        """

    /// Names whose lookups fail with SERVFAIL on both sides.
    static let broken = ["broken.dt.example"]

    static let ips = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6", "192.0.2.7",
                      "198.51.100.5", "198.51.100.77", "203.0.113.9", "2001:db8::3", "2001:db8::4", "2001:db8::5",
                      "2001:db8::99", "2001:db8:1::1", "::ffff:192.0.2.1"]
    static let locals = ["alice", "bob", "first.last", "strong-bad", "a+tag"]

    var rng: SeededGenerator

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    mutating func qualifier() -> String { chance(55) ? "" : pick(["+", "-", "~", "?"]) }

    mutating func cidr() -> String {
        guard chance(35) else { return "" }
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return "/\(pick([0, 8, 16, 24, 29, 30, 31, 32]))"
        case 1: return "//\(pick([0, 32, 48, 64, 96, 127, 128]))"
        case 2: return "/\(pick([24, 28]))//\(pick([48, 64]))"
        default: return chance(25) ? pick(["/33", "//129", "/024", "/"]) : "/\(pick([25, 27]))"  // rarely a syntax error
        }
    }

    mutating func term(domain: String) -> String {
        let b = Self.base
        switch Int.random(in: 0..<15, using: &rng) {
        case 0: return qualifier() + "ip4:" + pick(["192.0.2.0/24", "192.0.2.1", "192.0.2.4/30", "198.51.100.0/24",
                                                    "0.0.0.0/0", "203.0.113.9/32", "192.0.2.300", "192.0.2"])
        case 1: return qualifier() + "ip6:" + pick(["2001:db8::/32", "2001:db8::4", "2001:db8::/126", "::/0",
                                                    "2001:db8::5/128", "2001:db8::g"])
        case 2: return qualifier() + "a" + cidr()
        case 3: return qualifier() + "a:" + pick(["h1", "h3", "h4", "h5", "nov6", "www", "missing", "mx1"]) + ".\(b)" + cidr()
        case 4: return qualifier() + "mx:" + pick(["mx1", "mx2", "mxv", "h1", "missing"]) + ".\(b)" + cidr()
        case 5: return qualifier() + "mx" + cidr()
        case 6: return qualifier() + pick(["ptr", "ptr:\(b)", "ptr:h1.\(b)", "ptr:other.example", "ptr:%{d2}"])
        case 7: return qualifier() + "exists:" + pick(["%{i}.in.\(b)", "%{ir}.in.\(b)", "%{l}.users.\(b)",
                                                       "%{l1r+}.users.\(b)", "%{ir}.%{v}.rev.\(b)", "%{d}",
                                                       "%{i3r}.in-addr.rev.\(b)", "%{L}.users.\(b)"])
        case 8, 9: return qualifier() + "include:" + pick(["inc-pass", "inc-fail", "inc-soft", "inc-neutral", "inc-perm",
                                                            "inc-a", "inc-mx", "inc-nested", "inc-macro", "inc-none"]) + ".\(b)"
        case 10: return pick(["foo=bar", "x-test=%{d}", "v6=1", "moo.cow-far_out=man:dog/cat"])
        case 11:
            guard chance(35) else { return qualifier() + "a:broken.\(b)" }  // SERVFAIL: temperror
            return pick(["foo", "a:", "ip4", "exists", "include:", "%{z}", "a:%{x}.\(b)", "mx:h1.\(b):25",
                              "all:x", "ptr/24", "ip6:2001:db8::1/129", "-+all", "exists:%", "a:%(l).\(b)"])
        case 12: return qualifier() + "a:%{d}" + cidr()
        case 13: return qualifier() + "exists:%{l}.%{o}"
        default: return qualifier() + "ip4:192.0.2.\(Int.random(in: 0...9, using: &rng))"
        }
    }

    /// One case: a policy at caseN.dt.example and a client to check.
    mutating func makeCase(_ id: Int) -> (DifferentialCase, extraZone: String) {
        let domain = "case\(id).\(Self.base)"
        var terms: [String] = []
        var extra = ""
        let shape = Int.random(in: 0..<20, using: &rng)
        if shape == 0 {
            // The DNS-term limit: 9 to 12 lookups, the last one matching.
            let count = Int.random(in: 9...12, using: &rng)
            terms = Array(repeating: "a:h5.\(Self.base)", count: count - 1) + ["a:h1.\(Self.base)"]
        } else if shape == 1 {
            // The void-lookup limit: 1 to 3 empty answers before a match.
            let count = Int.random(in: 1...3, using: &rng)
            terms = (0..<count).map { "a:void\($0).\(Self.base)" } + ["ip4:192.0.2.0/24", "ip6:::/0"]
        } else {
            for _ in 0..<Int.random(in: 1...6, using: &rng) { terms.append(term(domain: domain)) }
        }
        if chance(60) { terms.append(qualifier() + "all") }
        // redirect only with few DNS terms (see the note on pyspf above).
        if chance(20) && terms.count <= 4 {
            terms.append("redirect=" + pick(["red1", "red2", "inc-none", "inc-perm"]) + ".\(Self.base)")
        }
        if chance(30) { terms.append("exp=" + pick(["exp1", "exp2", "expbad", "expmany", "missing"]) + ".\(Self.base)") }
        terms.shuffle(using: &rng)
        let policy = "v=spf1 " + terms.joined(separator: " ")
        if chance(50) { extra += "\(domain). A 192.0.2.\(Int.random(in: 1...6, using: &rng))\n" }
        if chance(30) { extra += "\(domain). AAAA 2001:db8::\(Int.random(in: 3...5, using: &rng))\n" }
        if chance(40) { extra += "\(domain). MX 10 h\(Int.random(in: 1...4, using: &rng)).\(Self.base).\n" }
        if chance(5) { extra += "\(domain). TXT \"v=spf1 -all\"\n" }  // two records: permerror
        var strings: [String] = []
        var rest = Substring(policy)
        while !rest.isEmpty {
            strings.append("\"" + rest.prefix(200).replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"") + "\"")
            rest = rest.dropFirst(200)
        }
        extra += "\(domain). TXT \(strings.joined(separator: " "))\n"
        let local = pick(Self.locals)
        let helo = chance(80) ? "mail.\(Self.base)" : domain
        return (DifferentialCase(id: id, ip: pick(Self.ips), sender: "\(local)@\(domain)", helo: helo,
                                 domain: domain, policy: policy), extra)
    }
}
