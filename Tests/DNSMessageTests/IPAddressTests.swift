import Testing
@testable import DNSMessage

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("::", "::"), ("::1", "::1"), ("1::", "1::"), ("2001:DB8::CB01", "2001:db8::cb01"),
        ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"), ("2001:db8::1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), ("::ffff:192.0.2.1", "::ffff:c000:201"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
    ])
    func parsesAndPrintsIPv6PerRFC5952(input: String, canonical: String) throws {
        let address = try #require(IPv6Address(input))
        #expect(address.description == canonical)
        #expect(IPv6Address(canonical) == address)
    }

    @Test(arguments: ["", ":", ":::", "1:::2", "1::2::3", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "1:2:3:4:5:6:7:8:9",
                      "12345::", "g::", "1:2:3:4:5:6:7:8::", "::1.2.3", "::256.1.1.1", "fe80::1%eth0", "+1::"])
    func rejectsMalformedIPv6(input: String) {
        #expect(IPv6Address(input) == nil)
    }

    @Test func parsesIPv4Strictly() {
        #expect(IPv4Address("192.0.2.1")?.bytes == [192, 0, 2, 1])
        #expect(IPv4Address("0.0.0.0") != nil)
        for bad in ["192.0.2", "192.0.2.1.5", "192.0.2.256", "192.0.2.01", "192.0.2.", "a.b.c.d", "1..2.3", " 1.2.3.4"] {
            #expect(IPv4Address(bad) == nil, "\(bad)")
        }
    }

    @Test func reverseNamesFollowRFC1035AndRFC3596() throws {
        #expect(IPAddress("192.0.2.3")!.reverseName == (try DNSName("3.2.0.192.in-addr.arpa")))
        // RFC 3596 §2.5 example address 4321:0:1:2:3:4:567:89ab.
        let v6 = IPAddress("4321:0:1:2:3:4:567:89ab")!
        #expect(v6.reverseName.description
            == "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa.")
    }

    @Test func prefixMatching() {
        let ip = IPAddress("192.0.2.129")!
        #expect(ip.matches(IPAddress("192.0.2.128")!, prefix: 28))
        #expect(!ip.matches(IPAddress("192.0.2.64")!, prefix: 28))
        #expect(ip.matches(IPAddress("10.0.0.0")!, prefix: 0))
        #expect(!ip.matches(IPAddress("192.0.2.128")!, prefix: 32))
        #expect(!ip.matches(IPAddress("::1")!, prefix: 0))
        #expect(IPAddress("2001:db8::1")!.matches(IPAddress("2001:db8::")!, prefix: 32))
        #expect(!IPAddress("2001:db9::1")!.matches(IPAddress("2001:db8::")!, prefix: 32))
        #expect(IPAddress("2001:db8::1")!.matches(IPAddress("2001:db8::1")!, prefix: 128))
        #expect(!IPAddress("2001:db8::1")!.matches(IPAddress("2001:db8::1")!, prefix: 129))
    }
}
