import Foundation
import DNSMessage
import Testing
@testable import MailAuth

/// RFC 7208 Appendix A, every example, against the Appendix A DNS data.
@Suite struct RFC7208AppendixATests {
    /// A.1: (record at example.com, addresses that pass, addresses that fail).
    static let simple: [(String, [String], [String])] = [
        ("v=spf1 +all", ["192.0.2.10", "10.0.0.4", "198.51.100.7"], []),
        ("v=spf1 a -all", ["192.0.2.10", "192.0.2.11"], ["192.0.2.65", "192.0.2.129"]),
        ("v=spf1 a:example.org -all", [], ["192.0.2.10", "192.0.2.140"]),
        ("v=spf1 mx -all", ["192.0.2.129", "192.0.2.130"], ["192.0.2.10", "192.0.2.140"]),
        ("v=spf1 mx:example.org -all", ["192.0.2.140"], ["192.0.2.129"]),
        ("v=spf1 mx mx:example.org -all", ["192.0.2.129", "192.0.2.130", "192.0.2.140"], ["192.0.2.10"]),
        ("v=spf1 mx/30 mx:example.org/30 -all",
         ["192.0.2.128", "192.0.2.129", "192.0.2.131", "192.0.2.140", "192.0.2.143"], ["192.0.2.132", "192.0.2.139"]),
        // "sending host 192.0.2.65 passes", "192.0.2.140 fails", "10.0.0.4 fails".
        ("v=spf1 ptr -all", ["192.0.2.65"], ["192.0.2.140", "10.0.0.4"]),
        ("v=spf1 ip4:192.0.2.128/28 -all", ["192.0.2.129"], ["192.0.2.65"]),
    ]

    @Test(arguments: simple.indices)
    func a1SimpleExamples(index: Int) async throws {
        let (record, passing, failing) = Self.simple[index]
        let zone = appendixAZone + "example.com. TXT \"\(record)\"\n"
        for ip in passing {
            let outcome = try await check(zone, ip: ip)
            #expect(outcome.result == .pass, "\(record) from \(ip): \(outcome)")
        }
        for ip in failing {
            let outcome = try await check(zone, ip: ip)
            #expect(outcome.result == .fail, "\(record) from \(ip): \(outcome)")
            #expect(outcome.mechanism == "-all")
        }
    }

    static let multipleDomains = appendixAZone + """
        example.org.    TXT "v=spf1 include:example.com include:example.net -all"
        la.example.org. TXT "v=spf1 redirect=example.org"
        ny.example.org. TXT "v=spf1 redirect=example.org"
        sf.example.org. TXT "v=spf1 redirect=example.org"
        example.com.    TXT "v=spf1 mx -all"
        example.net.    TXT "v=spf1 ip4:198.51.100.0/24 -all"
        """

    @Test func a2MultipleDomains() async throws {
        // example.org's designated servers are the union of example.com's and example.net's.
        for sender in ["a@example.org", "a@la.example.org", "a@ny.example.org", "a@sf.example.org"] {
            #expect(try await check(Self.multipleDomains, ip: "192.0.2.129", sender: sender).result == .pass)
            #expect(try await check(Self.multipleDomains, ip: "198.51.100.20", sender: sender).result == .pass)
            let fail = try await check(Self.multipleDomains, ip: "192.0.2.10", sender: sender)
            #expect(fail.result == .fail && fail.mechanism == "-all", "\(sender)")
        }
    }

    static let dnsbl = appendixAZone + """
        example.com. TXT "v=spf1 mx include:mobile-users._spf.%{d} include:remote-users._spf.%{d} -all"
        mobile-users._spf.example.com. TXT "v=spf1 exists:%{l1r+}.%{d}"
        remote-users._spf.example.com. TXT "v=spf1 exists:%{ir}.%{l1r+}.%{d}"
        $ORIGIN _spf.example.com.
        mary.mobile-users                   A 127.0.0.2
        fred.mobile-users                   A 127.0.0.2
        15.15.168.192.joel.remote-users     A 127.0.0.2
        16.15.168.192.joel.remote-users     A 127.0.0.2
        """

    @Test func a3DNSBLStyle() async throws {
        #expect(try await check(Self.dnsbl, ip: "198.51.100.1", sender: "mary@example.com").result == .pass)
        #expect(try await check(Self.dnsbl, ip: "203.0.113.9", sender: "fred+list@example.com").result == .pass)
        #expect(try await check(Self.dnsbl, ip: "192.168.15.15", sender: "joel@example.com").result == .pass)
        #expect(try await check(Self.dnsbl, ip: "192.168.15.16", sender: "joel@example.com").result == .pass)
        #expect(try await check(Self.dnsbl, ip: "192.168.15.17", sender: "joel@example.com").result == .fail)
        #expect(try await check(Self.dnsbl, ip: "198.51.100.1", sender: "bob@example.com").result == .fail)
        #expect(try await check(Self.dnsbl, ip: "192.0.2.129", sender: "bob@example.com").result == .pass)
    }

    static let multipleRequirements = appendixAZone + """
        example.com.           TXT  ( "v=spf1 "
                                      "-include:ip4._spf.%{d} "
                                      "-include:ptr._spf.%{d} "
                                      "+all" )
        ip4._spf.example.com.  TXT  "v=spf1 -ip4:192.0.2.0/24 +all"
        ptr._spf.example.com.  TXT  "v=spf1 -ptr +all"
        """

    @Test func a4MultipleRequirements() async throws {
        // Outside 192.0.2.0/24 the first include passes, so "-include" fails the client.
        let outside = try await check(Self.multipleRequirements, ip: "10.0.0.4")
        #expect(outside.result == .fail && outside.mechanism == "-include:ip4._spf.%{d}")
        // Inside it, the record as published checks "-ptr" against ptr._spf.example.com (its
        // own <domain>), which no validated name is under, so "+all" passes that include and
        // "-include" fails the client too: the example, taken literally, rejects everyone.
        let inside = try await check(Self.multipleRequirements, ip: "192.0.2.65")
        #expect(inside.result == .fail && inside.mechanism == "-include:ptr._spf.%{d}")
        // With "-ptr:example.com" it does what the text describes.
        let fixed = Self.multipleRequirements.replacingOccurrences(of: "\"v=spf1 -ptr +all\"",
                                                                   with: "\"v=spf1 -ptr:example.com +all\"")
        #expect(try await check(fixed, ip: "192.0.2.65").result == .pass)
        #expect(try await check(fixed, ip: "192.0.2.140").result == .fail)
    }
}
