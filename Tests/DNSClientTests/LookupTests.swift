import DNSClient
import DNSMessage
import HatoTesting
import Testing

@Suite struct LookupTests {
    @Test func answersAFromTheTestServer() async throws {
        try await withServer { server in
            let resolver = client([server])
            let answer = try await resolver.lookup(name("example.com"), .a)
            #expect(addresses(answer) == ["192.0.2.10"])
            #expect(answer.security == .insecure)
            #expect(try await resolver.lookupTXT(name("example.com")) == ["v=spf1 -all"])
            #expect(try await resolver.lookupMX(name("example.com")).map(\.exchange) == [name("mail.example.com")])
            #expect(server.queries.allSatisfy { $0.transport == .udp })
        }
    }

    @Test func followsCNAMEChains() async throws {
        try await withServer { server in
            let resolver = client([server])
            let answer = try await resolver.lookup(name("alias.example.com"), .a)
            #expect(answer.canonicalName == name("example.com"))
            #expect(answer.cnameChain.count == 2)
            #expect(addresses(answer) == ["192.0.2.10"])
            let outside = try await resolver.lookup(name("out.example.com"), .a)
            #expect(addresses(outside) == ["192.0.2.77"])
        }
    }

    @Test func reportsNXDOMAINAndNODATA() async throws {
        try await withServer { server in
            let resolver = client([server])
            await #expect(throws: DNSError(.nxdomain, name: name("nope.example.com"), responseCode: .nameError)) {
                try await resolver.lookup(name("nope.example.com"), .a)
            }
            await #expect(throws: DNSError(.noData, name: name("mail.example.com"), responseCode: .noError)) {
                try await resolver.lookup(name("mail.example.com"), .mx)
            }
        }
    }

    @Test func stopsCNAMELoopsAndLongChains() async throws {
        try await withServer { server in
            let resolver = client([server], maxChain: 4)
            do {
                _ = try await resolver.lookup(name("loop1.example.com"), .a)
                Issue.record("a CNAME loop must fail")
            } catch let error as DNSError {
                #expect(error.kind == .cnameLimit)
                #expect(error.isTemporary)
            }
            do {
                _ = try await resolver.lookup(name("c1.example.com"), .a)
                Issue.record("a chain of 5 CNAMEs exceeds a limit of 4")
            } catch let error as DNSError {
                #expect(error.kind == .cnameLimit)
            }
            let longer = client([server], maxChain: 5)
            #expect(addresses(try await longer.lookup(name("c1.example.com"), .a)) == ["192.0.2.6"])
        }
    }

    @Test func fallsBackToTCPWhenTruncated() async throws {
        try await withServer(behavior: TestDNSBehavior(truncateUDP: true)) { server in
            let resolver = client([server])
            let answer = try await resolver.lookup(name("example.com"), .mx)
            #expect(answer.records.count == 1)
            #expect(server.queries.map(\.transport) == [.udp, .tcp])
        }
    }

    @Test func answersTooLargeForUDPComeOverTCP() async throws {
        var zone = testZone + "\n$ORIGIN example.org.\n"
        for i in 0..<60 { zone += "big TXT \"record number \(i) padded to make the answer exceed the payload size\"\n" }
        try await withServer(zone) { server in
            let resolver = client([server])
            let texts = try await resolver.lookupTXT(name("big.example.org"))
            #expect(texts.count == 60)
            #expect(server.queries.map(\.transport) == [.udp, .tcp])
        }
    }

    @Test func queryReturnsTheRawResponse() async throws {
        try await withServer { server in
            let resolver = client([server])
            let (response, used) = try await resolver.query(name("www.example.com"), .a)
            #expect(used.port == server.port)
            #expect(response.answers.count == 2)
            #expect(response.isResponse && response.recursionAvailable)
        }
    }
}
