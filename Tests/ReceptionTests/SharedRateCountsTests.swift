import Foundation
import HatoTesting
import Logging
import MailStore
import Testing
@testable import Reception

/// `RateLimiter`'s counting as a `RateCounterStore` (one limiter per scope and window), so the
/// conformance checks that the PostgreSQL counts pass are shown to be the in-process rules too.
actor LocalRateCounters: RateCounterStore {
    private let clock = SpamClock(Date(timeIntervalSince1970: 0))
    private var limiters: [String: RateLimiter] = [:]

    func admitRate(scope: String, key: String, limit: Int, cost: Int, window: TimeInterval, now: Date) async throws -> Bool {
        clock.advance(now.timeIntervalSince(clock.now))
        let name = "\(scope)/\(window)"
        let limiter = limiters[name] ?? RateLimiter(window: window, now: clock.function)
        limiters[name] = limiter
        return await limiter.admit(key, limit: limit, cost: cost)
    }
}

/// A shared store that is down (throws) or hangs (never answers).
struct BrokenRateCounters: RateCounterStore {
    let hangs: Bool
    func admitRate(scope: String, key: String, limit: Int, cost: Int, window: TimeInterval, now: Date) async throws -> Bool {
        if hangs { try await Task.sleep(for: .seconds(3600)) }
        throw MailStoreError.io("database: connection refused")
    }
}

@Suite struct SharedRateCountsTests {
    @Test(arguments: RateCounterStoreConformance.checks.map(\.0))
    func inProcessConformance(_ name: String) async throws {
        let check = try #require(RateCounterStoreConformance.checks.first { $0.0 == name }?.1)
        try await check(RateCounterStoreConformance { LocalRateCounters() })
    }

    static let client = ReceptionClient(hostname: "mx.example.test", listener: .mx, remoteIP: "192.0.2.10", logger: Logger(label: "test"))

    /// The stage asks the shared store and obeys it: a store that admits nothing refuses the
    /// first connection although this node has counted none.
    @Test func sharedCountsDecide() async throws {
        actor Full: RateCounterStore {
            func admitRate(scope: String, key: String, limit: Int, cost: Int, window: TimeInterval, now: Date) async throws -> Bool { false }
        }
        let stage = RateLimitStage(policy: RateLimitPolicy(connectionsPerMinute: 5), shared: SharedRateCounts(store: Full()))
        guard case .defer(let refusal) = await stage.connection(Self.client) else {
            Issue.record("the shared count is full: refused")
            return
        }
        #expect(refusal.code == 421)
    }

    /// Down or too slow: each check falls back to this node's own count (fail open to per-node
    /// limits), so the limit still holds per node and no check waits longer than the timeout.
    @Test(arguments: [false, true])
    func unreachableStoreFallsBackToThisNode(hangs: Bool) async throws {
        let shared = SharedRateCounts(store: BrokenRateCounters(hangs: hangs), timeout: .milliseconds(200))
        let stage = RateLimitStage(policy: RateLimitPolicy(connectionsPerMinute: 2), shared: shared)
        let started = ContinuousClock.now
        var verdicts: [Bool] = []
        for _ in 0..<3 {
            if case .accept = await stage.connection(Self.client) { verdicts.append(true) } else { verdicts.append(false) }
        }
        #expect(verdicts == [true, true, false], "counted on this node: two admitted, the third refused")
        #expect(ContinuousClock.now - started < .seconds(30), "each check gave up after its timeout")
    }
}
