import DNSClient
import DNSMessage
import HatoTesting
import Testing

@Suite struct CacheTests {
    @Test func cachesUntilTheTTLExpires() async throws {
        try await withServer { server in
            let clock = ManualClock()
            let resolver = client([server], clock: clock)
            _ = try await resolver.lookup(name("example.com"), .a)
            _ = try await resolver.lookup(name("EXAMPLE.com"), .a)
            #expect(server.queryCount(name("example.com"), .a) == 1)
            clock.advance(seconds: 299)
            _ = try await resolver.lookup(name("example.com"), .a)
            #expect(server.queryCount(name("example.com"), .a) == 1)
            clock.advance(seconds: 2)
            _ = try await resolver.lookup(name("example.com"), .a)
            #expect(server.queryCount(name("example.com"), .a) == 2)
        }
    }

    @Test func chainTTLIsTheShortestLink() async throws {
        try await withServer("a.example. 300 CNAME b.example.\nb.example. 5 A 192.0.2.5\n") { server in
            let clock = ManualClock()
            let resolver = client([server], clock: clock)
            _ = try await resolver.lookup(name("a.example"), .a)
            clock.advance(seconds: 6)
            _ = try await resolver.lookup(name("a.example"), .a)
            #expect(server.queryCount(name("a.example"), .a) == 2)
        }
    }

    @Test func cachesNegativeAnswersForTheSOAMinimum() async throws {
        // SOA TTL 3600, MINIMUM 60: RFC 2308 §5 takes the smaller, 60.
        try await withServer { server in
            let clock = ManualClock()
            let resolver = client([server], clock: clock)
            for _ in 0..<3 { _ = try? await resolver.lookup(name("missing.example.com"), .a) }
            _ = try? await resolver.lookup(name("mail.example.com"), .mx)
            _ = try? await resolver.lookup(name("mail.example.com"), .mx)
            #expect(server.queryCount(name("missing.example.com"), .a) == 1)
            #expect(server.queryCount(name("mail.example.com"), .mx) == 1)
            clock.advance(seconds: 61)
            do {
                _ = try await resolver.lookup(name("missing.example.com"), .a)
                Issue.record("still NXDOMAIN")
            } catch let error as DNSError {
                #expect(error.kind == .nxdomain)
            }
            #expect(server.queryCount(name("missing.example.com"), .a) == 2)
        }
    }

    /// Some resolvers send NXDOMAIN without the SOA. Kept for `negativeTTLWithoutSOA` (60 s by
    /// default) so a sender domain that does not exist is not asked again for every message.
    @Test func negativeAnswersWithoutSOAAreCachedBriefly() async throws {
        try await withServer("a.example. A 192.0.2.1\n") { server in
            let clock = ManualClock()
            let resolver = client([server], clock: clock)
            for _ in 0..<2 {
                do {
                    _ = try await resolver.lookup(name("b.example"), .a)
                    Issue.record("b.example does not exist")
                } catch let error as DNSError {
                    #expect(error.kind == .nxdomain)
                }
            }
            #expect(server.queryCount(name("b.example"), .a) == 1)
            clock.advance(seconds: 61)
            _ = try? await resolver.lookup(name("b.example"), .a)
            #expect(server.queryCount(name("b.example"), .a) == 2)
        }
    }

    @Test func failuresAreNotCached() async throws {
        try await withServer(behavior: .servfail) { server in
            let resolver = client([server])
            for _ in 0..<2 { _ = try? await resolver.lookup(name("example.com"), .a) }
            #expect(server.queries.count == 2)
            server.behavior = .normal
            let answer = try await resolver.lookup(name("example.com"), .a)
            #expect(addresses(answer) == ["192.0.2.10"])
        }
    }

    @Test func cacheSizeIsBounded() async throws {
        var zone = ""
        for i in 0..<40 { zone += "h\(i).example. 300 A 192.0.2.\(i)\n" }
        try await withServer(zone) { server in
            let resolver = client([server], capacity: 16)
            for i in 0..<40 { _ = try await resolver.lookup(name("h\(i).example"), .a) }
            #expect(await resolver.cachedEntries <= 16)
            #expect(await resolver.cachedEntries > 0)
            // The newest entry survived eviction.
            _ = try await resolver.lookup(name("h39.example"), .a)
            #expect(server.queryCount(name("h39.example"), .a) == 1)
        }
    }

    @Test func mergesConcurrentIdenticalQueries() async throws {
        try await withServer(behavior: TestDNSBehavior(delayMilliseconds: 200)) { server in
            let resolver = client([server], timeoutMs: 2000)
            let results = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<10 {
                    group.addTask { addresses(try await resolver.lookup(name("example.com"), .a)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 10 && results.allSatisfy { $0 == ["192.0.2.10"] })
            #expect(server.queries.count == 1)
        }
    }
}

extension CacheTests {
    /// `hasCachedAnswer` (what the DMARC and DKIM prefetches ask before starting a lookup that
    /// would only warm the cache) says what the next lookup will do: answer without a query.
    @Test func hasCachedAnswerTellsWhetherTheNextLookupAsks() async throws {
        try await withServer { server in
            let clock = ManualClock()
            let resolver = client([server], clock: clock)
            #expect(!resolver.hasCachedAnswer(name("example.com"), .a))
            _ = try await resolver.lookup(name("example.com"), .a)
            #expect(resolver.hasCachedAnswer(name("EXAMPLE.com"), .a))
            #expect(!resolver.hasCachedAnswer(name("example.com"), .mx), "another type")
            _ = try? await resolver.lookup(name("missing.example.com"), .a)
            #expect(resolver.hasCachedAnswer("missing.example.com", .a), "a negative answer is cached too")
            clock.advance(seconds: 301)
            #expect(!resolver.hasCachedAnswer(name("example.com"), .a), "expired")
            #expect(!resolver.hasCachedAnswer("missing.example.com", .a))
            #expect(server.queryCount(name("example.com"), .a) == 1)
        }
    }
}
