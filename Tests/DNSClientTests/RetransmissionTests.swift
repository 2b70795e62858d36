@testable import DNSClient
import DNSMessage
import HatoTesting
import NIOCore
import Testing

/// A lost packet costs a few round trips, not the whole timeout; a silent server does not hold up
/// the next one (issue 24: a fixed 2 s retry stalled every message whose lookups met a lost UDP
/// packet for exactly 2 s).
@Suite struct RetransmissionTests {
    @Test func aLostQueryIsAskedAgainBeforeItsTimeout() async throws {
        try await withServer { server in
            server.dropNextQueries(1)
            // A timeout of 300 s: a resolver that waited it out before asking again would take
            // that long; the margin below is wide because the full suite loads two cores heavily
            // (a run took 14 s here). A slow answer may also be overtaken by a third query.
            let resolver = client([server], timeoutMs: 300_000, attempts: 3)
            let start = NIODeadline.now()
            let answer = try await resolver.lookup(name("example.com"), .a)
            #expect(addresses(answer) == ["192.0.2.10"])
            #expect(server.queries.count >= 2)
            #expect(NIODeadline.now() - start < .seconds(100))
        }
    }

    @Test func twoLostQueriesInARowStillGetAnAnswer() async throws {
        try await withServer { server in
            server.dropNextQueries(2)
            let answer = try await client([server], timeoutMs: 300_000, attempts: 3).lookup(name("example.com"), .mx)
            #expect(answer.records.count == 1)
            #expect(server.queries.count == 3)
        }
    }

    @Test func aSilentFirstServerDoesNotWaitOutItsTimeout() async throws {
        try await withServer(behavior: .timeout) { silent in
            try await withServer { good in
                let resolver = client([silent, good], timeoutMs: 300_000)
                let start = NIODeadline.now()
                let answer = try await resolver.lookup(name("example.com"), .a)
                #expect(addresses(answer) == ["192.0.2.10"])
                #expect(silent.queries.count == 1 && good.queries.count == 1)
                #expect(NIODeadline.now() - start < .seconds(100))
            }
        }
    }

    @Test func attemptsBoundTheQueriesSent() async throws {
        try await withServer(behavior: .timeout) { server in
            let resolver = client([server], timeoutMs: 600, attempts: 3)
            do {
                _ = try await resolver.lookup(name("example.com"), .a)
                Issue.record("a silent server must time out")
            } catch let error as DNSError {
                #expect(error.kind == .timeout)
            }
            for _ in 0..<100 where server.queries.count < 3 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(server.queries.count == 3)
            #expect(await resolver.queriesSent == 3)
        }
    }
}

@Suite struct RetransmissionTimerTests {
    static let initialInterval = RetransmissionTimer.defaultInitial
    let server = DNSServer(host: "192.0.2.53")

    @Test func beforeAnySampleTheIntervalIsUnboundsInitialTimeout() {
        let timer = RetransmissionTimer()
        #expect(timer.interval(for: server, backoff: 0, ceiling: .seconds(2)) == .milliseconds(400))
    }

    @Test func aFastServerIsAskedAgainAfterTheMinimumNotAfterTheTimeout() {
        var timer = RetransmissionTimer()
        for _ in 0..<20 { timer.record(.microseconds(300), from: server) }
        #expect(timer.interval(for: server, backoff: 0, ceiling: .seconds(2)) == RetransmissionTimer.defaultMinimum)
    }

    @Test func theIntervalFollowsTheMeasuredRoundTripAndItsVariation() {
        var timer = RetransmissionTimer()
        timer.record(.milliseconds(200), from: server)  // SRTT 200 ms, RTTVAR 100 ms: 600 ms
        #expect(timer.interval(for: server, backoff: 0, ceiling: .seconds(2)) == .milliseconds(600))
        // Each further round over the servers doubles it (RFC 6298 §5.5), up to the timeout.
        #expect(timer.interval(for: server, backoff: 1, ceiling: .seconds(2)) == .milliseconds(1200))
        #expect(timer.interval(for: server, backoff: 2, ceiling: .seconds(2)) == .seconds(2))
    }

    @Test func serversAreMeasuredApart() {
        var timer = RetransmissionTimer()
        let far = DNSServer(host: "192.0.2.54")
        for _ in 0..<20 { timer.record(.microseconds(300), from: server) }
        #expect(timer.interval(for: far, backoff: 0, ceiling: .seconds(2)) == .milliseconds(400))
    }
}
