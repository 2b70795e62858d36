import Foundation

/// Event counts over a sliding window shared by every node on one store (docs/scaling.md "Login
/// throttle and rate limits across nodes"): the SMTP rate limits of `[rate]` (connections per
/// minute, messages and recipients per hour per client network or sender). The window is the
/// current fixed window plus the previous one weighted by how much of it still overlaps, as the
/// in-process `RateLimiter` counts it. The embedded store has none: one node counts in the process.
public protocol RateCounterStore: Sendable {
    /// Counts `cost` events for `key` in `scope` at `now` unless that would pass `limit` within
    /// `window` seconds; returns whether they were counted (a refused event is not). Throws when
    /// the store cannot be reached.
    func admitRate(scope: String, key: String, limit: Int, cost: Int, window: TimeInterval, now: Date) async throws -> Bool
}
