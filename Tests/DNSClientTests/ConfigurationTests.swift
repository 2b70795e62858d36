import DNSClient
import DNSMessage
import NIOCore
import Testing
@testable import DNSClient

@Suite struct ConfigurationTests {
    @Test func parsesResolvConf() {
        let configuration = DNSClientConfiguration.parsingResolvConf("""
            # comment
            search example.com
            nameserver 192.0.2.53
            nameserver 2001:db8::53 ; trailing comment
            nameserver fe80::1%eth0
            nameserver not-an-address
            options ndots:2 timeout:3 attempts:4 rotate
            """)
        #expect(configuration.servers == [DNSServer(host: "192.0.2.53"), DNSServer(host: "2001:db8::53")])
        #expect(configuration.timeout == .seconds(3))
        #expect(configuration.attempts == 4)
    }

    @Test func emptyResolvConfMeansLocalhost() {
        #expect(DNSClientConfiguration.parsingResolvConf("").servers == [DNSServer(host: "127.0.0.1")])
    }

    @Test func parsesServerAddresses() {
        #expect(DNSServer(parsing: "127.0.0.1:5353") == DNSServer(host: "127.0.0.1", port: 5353))
        #expect(DNSServer(parsing: "127.0.0.1") == DNSServer(host: "127.0.0.1", port: 53))
        #expect(DNSServer(parsing: "[::1]:5353") == DNSServer(host: "::1", port: 5353))
        #expect(DNSServer(parsing: "::1") == DNSServer(host: "::1", port: 53))
        #expect(DNSServer(parsing: "[::1]:5353", validating: true)?.validating == true)
        for bad in ["dns.example:53", "127.0.0.1:0", "127.0.0.1:70000", "[::1", "[::1]x", "127.0.0.1:x"] {
            #expect(DNSServer(parsing: bad) == nil, "\(bad)")
        }
        #expect(DNSServer(host: "::1", port: 53).description == "[::1]:53")
    }

    @Test func interpreterChasesChainsTheResponseDoesNotCover() throws {
        let q = try DNSName("a.example")
        var response = DNSMessage(id: 1, isResponse: true, questions: [DNSQuestion(name: q, type: .a)])
        response.answers = [DNSResourceRecord(name: q, ttl: 60, data: .cname(try DNSName("b.other")))]
        #expect(DNSResponseInterpreter.interpret(response, name: q, type: .a, maxChain: 8)
            == .chase(cnames: response.answers, target: try DNSName("b.other")))
        // With an SOA the response says the target has no such data.
        response.authorities = [DNSResourceRecord(name: try DNSName("other"), ttl: 900, data: .soa(DNSSOAData(
            mname: .root, rname: .root, serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 30)))]
        #expect(DNSResponseInterpreter.interpret(response, name: q, type: .a, maxChain: 8)
            == .negative(cnames: response.answers, kind: .noData, name: try DNSName("b.other"), ttl: 30))
        // Asking for the CNAME itself returns it.
        if case .records(_, let records) = DNSResponseInterpreter.interpret(response, name: q, type: .cname, maxChain: 8) {
            #expect(records.count == 1)
        } else {
            Issue.record("CNAME query should return the CNAME")
        }
        #expect(DNSResponseInterpreter.interpret(response, name: q, type: .a, maxChain: 0)
            == .cnameLimit(name: try DNSName("b.other")))
    }
}
