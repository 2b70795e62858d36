// Counting events per key over a sliding window, in memory and bounded: the rate limits of
// port 25 (`[rate]`). The window is approximated the way Cloudflare and nginx do it: the count
// of the current fixed window plus the previous window's count weighted by how much of it still
// overlaps the sliding window. Two integers per key, no timestamps kept.

import Foundation

public actor RateLimiter {
    struct Entry {
        var windowStart: Date
        var current: Int
        var previous: Int
    }

    public let window: TimeInterval
    public let maxKeys: Int
    private let now: @Sendable () -> Date
    private var entries: [String: Entry] = [:]

    public init(window: TimeInterval, maxKeys: Int = 100_000, now: @escaping @Sendable () -> Date = Date.init) {
        self.window = window
        self.maxKeys = max(1, maxKeys)
        self.now = now
    }

    /// Counts one event for `key` unless that would exceed `limit` in the window; returns
    /// whether it was allowed. A refused event is not counted (a client that keeps retrying
    /// gets through again once its earlier events leave the window).
    public func admit(_ key: String, limit: Int, cost: Int = 1) -> Bool {
        let time = now()
        var entry = rolled(entries[key], at: time)
        guard estimate(entry, at: time) + Double(cost) <= Double(limit) else {
            entries[key] = entry
            return false
        }
        entry.current += cost
        if entries[key] == nil, entries.count >= maxKeys { prune(at: time) }
        // Still full of live keys: the newest key is not tracked (it is let through) rather
        // than letting memory grow without bound.
        if entries[key] != nil || entries.count < maxKeys { entries[key] = entry }
        return true
    }

    /// Keys currently tracked (for tests and the bound).
    public var trackedKeys: Int { entries.count }

    private func rolled(_ entry: Entry?, at time: Date) -> Entry {
        guard var entry else { return Entry(windowStart: time, current: 0, previous: 0) }
        let elapsed = time.timeIntervalSince(entry.windowStart)
        if elapsed >= 2 * window {
            entry = Entry(windowStart: time, current: 0, previous: 0)
        } else if elapsed >= window {
            entry = Entry(windowStart: entry.windowStart.addingTimeInterval(window), current: 0, previous: entry.current)
        }
        return entry
    }

    private func estimate(_ entry: Entry, at time: Date) -> Double {
        let intoWindow = max(0, min(1, time.timeIntervalSince(entry.windowStart) / window))
        return Double(entry.current) + Double(entry.previous) * (1 - intoWindow)
    }

    private func prune(at time: Date) {
        entries = entries.filter { time.timeIntervalSince($0.value.windowStart) < 2 * window }
    }
}
