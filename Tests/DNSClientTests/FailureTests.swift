import DNSClient
import DNSMessage
import HatoTesting
import NIOCore
import Testing

@Suite struct FailureTests {
    @Test func timesOutAfterEveryAttempt() async throws {
        try await withServer(behavior: .timeout) { server in
            // 1 s: long enough that a loaded machine still sends both. The second query goes out
            // after the retransmission interval, not after the first one's timeout, so the lookup
            // ends one timeout after the second send.
            let resolver = client([server], timeoutMs: 1000, attempts: 2)
            let start = NIODeadline.now()
            do {
                _ = try await resolver.lookup(name("example.com"), .a)
                Issue.record("a silent server must time out")
            } catch let error as DNSError {
                #expect(error.kind == .timeout)
                #expect(error.isTemporary)
            }
            #expect(NIODeadline.now() - start >= .milliseconds(1000) + RetransmissionTimerTests.initialInterval)
            // The second query may still be on its way into the (in-process) server when the
            // client gives up on a loaded machine: wait for it rather than race it.
            for _ in 0..<100 where server.queries.count < 2 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(server.queries.count == 2)
        }
    }

    @Test func retriesOverServers() async throws {
        try await withServer(behavior: .timeout) { silent in
            try await withServer(behavior: .servfail) { failing in
                try await withServer { good in
                    // The silent server costs one timeout; the others must answer within it even
                    // on a loaded CI machine (the suite runs floods and 10,000-connection tests
                    // beside this one), so it is not short: 5 s once ran out.
                    let resolver = client([silent, failing, good], timeoutMs: 10_000)
                    let answer = try await resolver.lookup(name("example.com"), .a)
                    #expect(addresses(answer) == ["192.0.2.10"])
                    #expect(silent.queries.count == 1)
                    #expect(failing.queries.count == 1)
                    #expect(good.queries.count == 1)
                }
            }
        }
    }

    @Test func secondRoundTriesTheFirstServerAgain() async throws {
        try await withServer(behavior: .servfail) { server in
            let resolver = client([server], attempts: 3)
            do {
                _ = try await resolver.lookup(name("example.com"), .a)
                Issue.record("SERVFAIL everywhere must fail")
            } catch let error as DNSError {
                #expect(error.kind == .serverFailure)
                #expect(error.responseCode == .serverFailure)
            }
            #expect(server.queries.count == 3)
        }
    }

    @Test func refusedIsAServerFailure() async throws {
        try await withServer(behavior: TestDNSBehavior(responseCode: .refused)) { server in
            do {
                _ = try await client([server]).lookup(name("example.com"), .a)
                Issue.record("REFUSED must fail")
            } catch let error as DNSError {
                #expect(error.kind == .serverFailure && error.responseCode == .refused)
            }
        }
    }

    @Test(arguments: [TestDNSBehavior.Spoof.wrongIDThenCorrect, .wrongSourceThenCorrect, .wrongQuestionThenCorrect])
    func ignoresSpoofedReplies(spoof: TestDNSBehavior.Spoof) async throws {
        try await withServer(behavior: TestDNSBehavior(spoof: spoof)) { server in
            let answer = try await client([server], timeoutMs: 3000).lookup(name("example.com"), .a)
            // The forged reply says 203.0.113.66 and arrives first; only the real one is taken.
            #expect(addresses(answer) == ["192.0.2.10"])
        }
    }

    @Test func aReplyWithOnlyTheWrongIDTimesOut() async throws {
        try await withServer(behavior: TestDNSBehavior(spoof: .wrongIDOnly)) { server in
            do {
                _ = try await client([server], timeoutMs: 200).lookup(name("example.com"), .a)
                Issue.record("a reply with the wrong ID must not be accepted")
            } catch let error as DNSError {
                #expect(error.kind == .timeout)
            }
        }
    }

    @Test func usesRandomIDs() async throws {
        try await withServer { server in
            let resolver = client([server])
            for i in 0..<20 { _ = try? await resolver.lookup(name("n\(i).example.com"), .a) }
            let ids = Set(server.queries.map(\.id))
            #expect(ids.count >= 18)
        }
    }
}
