import DNSClient
import DNSMessage
import HatoTesting
import Testing

/// The AD bit is believed only from servers configured as validating (RFC 6840 §5.8).
@Suite struct SecurityTests {
    @Test func adFromAValidatingServerIsSecure() async throws {
        try await withServer(behavior: TestDNSBehavior(authenticData: true)) { server in
            let answer = try await client([server], validating: true).lookup(name("example.com"), .a)
            #expect(answer.security == .secure)
            #expect(server.queries.first?.dnssecOK == true)
        }
    }

    @Test func adFromANonValidatingServerIsIgnored() async throws {
        try await withServer(behavior: TestDNSBehavior(authenticData: true)) { server in
            let answer = try await client([server], validating: false).lookup(name("example.com"), .a)
            #expect(answer.security == .insecure)
            #expect(server.queries.first?.dnssecOK == false)
        }
    }

    @Test func noADFromAValidatingServerIsInsecure() async throws {
        try await withServer { server in
            let answer = try await client([server], validating: true).lookup(name("example.com"), .a)
            #expect(answer.security == .insecure)
        }
    }

    @Test func oneInsecureLinkMakesTheChainInsecure() async throws {
        try await withServer(behavior: TestDNSBehavior(authenticData: true)) { server in
            server.setBehavior(TestDNSBehavior(authenticData: false), for: name("www.example.com"), .a)
            let resolver = client([server], validating: true)
            // The server answers the whole chain at once, so all links come with one AD bit.
            let viaChain = try await resolver.lookup(name("www.example.com"), .a)
            let direct = try await resolver.lookup(name("example.com"), .a)
            #expect(viaChain.security == .insecure)
            #expect(direct.security == .secure)
        }
    }

    @Test func bogusFromAValidatingServerIsReportedAndFinal() async throws {
        try await withServer(behavior: TestDNSBehavior(bogus: true)) { bogus in
            // The other server answers late: on a loaded machine the resolver may ask it in
            // parallel (the bogus reply taking longer than the retransmission interval), but once
            // a validating server says bogus, that is the answer; nothing else is waited for.
            try await withServer(behavior: TestDNSBehavior(delayMilliseconds: 5_000)) { other in
                do {
                    _ = try await client([bogus, other], validating: true).lookup(name("example.com"), .a)
                    Issue.record("bogus data must not resolve")
                } catch let error as DNSError {
                    #expect(error.security == .bogus)
                    #expect(error.kind == .serverFailure)
                }
                other.behavior = .normal
                // From a server not marked validating the same SERVFAIL is an ordinary failure.
                let answer = try await client([bogus, other], validating: false).lookup(name("example.com"), .a)
                #expect(answer.security == .insecure)
            }
        }
    }
}
