@testable import DNSClient
import DNSMessage
import HatoTesting
import NIOCore
import Testing

/// The stub resolver on a path that loses UDP packets (issue 24): a lost query is asked again
/// after the adaptive interval (never before the configured floor, long before the timeout), and
/// concurrent lookups that lose packets still each get their own answer, once.
@Suite struct LossyPathTests {
    /// Warms the round-trip estimate with a few answered lookups, then empties the cache.
    func warm(_ resolver: DNSClient) async throws {
        for host in ["example.com", "mail.example.com", "target.example.net"] {
            _ = try await resolver.lookup(name(host), .a)
        }
        await resolver.flushCache()
    }

    @Test func aLostQueryIsAskedAgainAfterTheFloorAndLongBeforeTheTimeout() async throws {
        try await withServer { server in
            let resolver = client([server], timeoutMs: 300_000, attempts: 3)
            try await warm(resolver)
            server.clearQueryLog()
            server.dropNextQueries(1)
            let start = NIODeadline.now()
            let answer = try await resolver.lookup(name("mail.example.com"), .a)
            let elapsed = NIODeadline.now() - start
            #expect(addresses(answer) == ["192.0.2.129"])
            #expect(server.queries.count >= 2)
            // Not before the floor (a resolver still recursing is not flooded) ...
            #expect(elapsed >= RetransmissionTimer.defaultMinimum, "retried after \(elapsed.nanoseconds / 1_000_000) ms")
            // ... and after a few measured round trips, not the 300 s timeout (a wide margin: the
            // full suite loads two cores, and a loaded round trip raises the interval with it;
            // quiet, this takes about 10 ms).
            #expect(elapsed < .seconds(30), "retried after \(elapsed.nanoseconds / 1_000_000) ms")
        }
    }

    /// The default attempts (5) carry a lookup through four lost queries in a row, each asked
    /// again after the adaptive interval: with 3, a path losing 10% of packets left one question
    /// in 1,000 waiting out the whole timeout (docs/dns.md).
    @Test func theDefaultAttemptsOutlastFourLostQueries() async throws {
        try await withServer { server in
            let resolver = DNSClient(configuration: DNSClientConfiguration(servers: [DNSServer(parsing: server.address)!],
                                                                           timeout: .seconds(20)))
            try await warm(resolver)
            server.clearQueryLog()
            server.dropNextQueries(4)
            let start = NIODeadline.now()
            let answer = try await resolver.lookup(name("mail.example.com"), .a)
            #expect(addresses(answer) == ["192.0.2.129"])
            #expect(server.queries.count == 5)
            #expect(NIODeadline.now() - start < .seconds(10), "answered by the fifth query, not after a timeout")
        }
    }

    /// `dns.retransmit_min_ms`: a floor raised for a slow link holds however fast the answers were.
    @Test func aRaisedFloorIsWaitedOut() async throws {
        try await withServer { server in
            var configuration = DNSClientConfiguration(servers: [DNSServer(parsing: server.address)!],
                                                       timeout: .seconds(300), attempts: 3)
            configuration.retransmitMinimum = .milliseconds(700)
            let resolver = DNSClient(configuration: configuration)
            try await warm(resolver)
            server.dropNextQueries(1)
            let start = NIODeadline.now()
            _ = try await resolver.lookup(name("mail.example.com"), .a)
            #expect(NIODeadline.now() - start >= .milliseconds(700))
        }
    }

    /// Queries sent before any reply was measured (a burst when the server starts) are asked
    /// again once the first replies give an estimate, not after the initial interval. The
    /// initial interval is lengthened to 10 minutes here, so a lookup that finishes at all within
    /// the test's bounds was cut short.
    @Test func queriesSentBeforeTheFirstReplyAreNotLeftToTheInitialInterval() async throws {
        try await withServer { server in
            var configuration = DNSClientConfiguration(servers: [DNSServer(parsing: server.address)!],
                                                       timeout: .seconds(900), attempts: 3)
            configuration.retransmitInitial = .seconds(600)
            let resolver = DNSClient(configuration: configuration)
            server.dropNextQueries(1)
            let lost = Task { try await resolver.lookup(name("mail.example.com"), .a) }
            // Wait until the lost query has gone out, then measure the server with other lookups.
            for _ in 0..<500 where server.queries.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            for host in ["example.com", "target.example.net"] { _ = try await resolver.lookup(name(host), .a) }
            let answer = try await withThrowingTaskGroup(of: DNSAnswer?.self) { group in
                group.addTask { try await lost.value }
                group.addTask { try await Task.sleep(for: .seconds(120)); return nil }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            #expect(answer.map(addresses) == ["192.0.2.129"], "the lost query waited for the initial interval")
        }
    }

    @Test func concurrentLookupsThatLosePacketsEachGetTheirOwnAnswer() async throws {
        try await withServer { server in
            let resolver = client([server], timeoutMs: 300_000, attempts: 4)
            try await warm(resolver)
            // The first three queries of the six are lost, whichever questions they carry.
            server.dropNextQueries(3)
            let questions: [(String, DNSRecordType)] = [
                ("example.com", .a), ("mail.example.com", .a), ("example.com", .mx),
                ("example.com", .txt), ("target.example.net", .a), ("c6.example.com", .a),
            ]
            let answers = try await withThrowingTaskGroup(of: (Int, DNSAnswer).self) { group in
                for (index, question) in questions.enumerated() {
                    group.addTask { (index, try await resolver.lookup(name(question.0), question.1)) }
                }
                var answers: [Int: DNSAnswer] = [:]
                for try await (index, answer) in group { answers[index] = answer }
                return answers
            }
            for (index, question) in questions.enumerated() {
                let answer = try #require(answers[index])
                #expect(answer.question == DNSQuestion(name: name(question.0), type: question.1))
                // One RRset each, not one per reply that arrived: answers are not duplicated.
                #expect(answer.records.count == 1, "\(question): \(answer.records)")
                #expect(answer.records.allSatisfy { $0.type == question.1 })
            }
            #expect(addresses(answers[0]!) == ["192.0.2.10"])
            #expect(addresses(answers[1]!) == ["192.0.2.129"])
            #expect(addresses(answers[4]!) == ["192.0.2.77"])
            #expect(addresses(answers[5]!) == ["192.0.2.6"])
            #expect(answers[3]!.records[0].data.joinedText == "v=spf1 -all")
        }
    }

    @Test func identicalLookupsShareOneExchangeAcrossALoss() async throws {
        try await withServer { server in
            let resolver = client([server], timeoutMs: 300_000, attempts: 3)
            try await warm(resolver)
            server.clearQueryLog()
            server.dropNextQueries(1)
            let results = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<20 { group.addTask { addresses(try await resolver.lookup(name("mail.example.com"), .a)) } }
                var results: [[String]] = []
                for try await result in group { results.append(result) }
                return results
            }
            #expect(results.count == 20 && results.allSatisfy { $0 == ["192.0.2.129"] })
            // One exchange for the twenty: the lost query and its retransmission (a third only
            // if the answer is slower than the doubled interval), not twenty of each.
            #expect((2...3).contains(server.queries.count), "\(server.queries.count) queries")
        }
    }
}
