import Foundation

/// Brute-force limiter for logins, counted per client address and per account name.
///
/// - Every failed credential check counts against both keys; unknown account names are counted
///   exactly like existing ones, so the limiter's behaviour reveals nothing about existence.
/// - From `delayAfterFailures` failures on a key, every reply to that key is delayed:
///   `initialDelay`, doubling per further failure, at most `maximumDelay`.
/// - At `lockoutAfterFailures` the key is locked for `lockoutDuration`: AUTH is refused with
///   `SASLFailure.tooManyFailures` without checking credentials. When the lock ends the count
///   starts again from zero.
/// - A success resets the account's and the client's counts. Counts fade after `forgetAfter`
///   without failures.
///
/// Pure: no I/O and no sleeping; the caller waits the returned delay. The clock is injected.
/// Callers should pass an IPv6 client as its /64 prefix, since one host controls the whole /64.
public final class AuthThrottle: @unchecked Sendable {
    public struct Configuration: Sendable, Equatable {
        public var delayAfterFailures: Int
        public var lockoutAfterFailures: Int
        public var initialDelay: Duration
        public var maximumDelay: Duration
        public var lockoutDuration: Duration
        public var forgetAfter: Duration
        /// Bound on remembered keys (each a few dozen bytes); the stalest are dropped first.
        public var maximumTrackedKeys: Int

        public init(
            delayAfterFailures: Int = 3, lockoutAfterFailures: Int = 10,
            initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(16),
            lockoutDuration: Duration = .seconds(15 * 60), forgetAfter: Duration = .seconds(60 * 60),
            maximumTrackedKeys: Int = 100_000
        ) {
            self.delayAfterFailures = max(1, delayAfterFailures)
            self.lockoutAfterFailures = max(self.delayAfterFailures, lockoutAfterFailures)
            self.initialDelay = initialDelay
            self.maximumDelay = max(initialDelay, maximumDelay)
            self.lockoutDuration = lockoutDuration
            self.forgetAfter = forgetAfter
            self.maximumTrackedKeys = max(1, maximumTrackedKeys)
        }
    }

    public enum Decision: Sendable, Equatable {
        /// Go ahead; delay the reply to this attempt (success or failure) by `delay`.
        case allow(delay: Duration)
        /// Refuse with `SASLFailure.tooManyFailures`; the lock lifts after `retryAfter`.
        case lockedOut(retryAfter: Duration)
    }

    private enum Key: Hashable { case client(String), account(String) }
    private struct Entry { var failures: Int; var lastFailure: Duration; var lockedUntil: Duration? }

    public let configuration: Configuration
    private let now: @Sendable () -> Duration
    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]

    /// `now` is a monotonic time since any fixed origin; tests pass a manual clock.
    public init(configuration: Configuration = Configuration(), now: (@Sendable () -> Duration)? = nil) {
        self.configuration = configuration
        if let now {
            self.now = now
        } else {
            let origin = ContinuousClock.now
            self.now = { ContinuousClock.now - origin }
        }
    }

    /// Before an attempt: whether it may proceed and how long to hold its reply. Pass the account
    /// once the client has named it (e.g. from the credential lookup).
    public func check(client: String, account: String?) -> Decision {
        lock.withLock {
            let time = now()
            var delay = Duration.zero
            var retryAfter: Duration?
            for key in keys(client, account) {
                guard let entry = current(key, at: time) else { continue }
                if let until = entry.lockedUntil { retryAfter = max(retryAfter ?? .zero, until - time) }
                delay = max(delay, delayFor(entry.failures))
            }
            return retryAfter.map { .lockedOut(retryAfter: $0) } ?? .allow(delay: delay)
        }
    }

    /// After a failed credential check: counts it and returns how long to hold the failure reply.
    @discardableResult
    public func recordFailure(client: String, account: String?) -> Duration {
        lock.withLock {
            let time = now()
            var delay = Duration.zero
            for key in keys(client, account) {
                var entry = current(key, at: time) ?? Entry(failures: 0, lastFailure: time, lockedUntil: nil)
                entry.failures += 1
                entry.lastFailure = time
                if entry.failures >= configuration.lockoutAfterFailures && entry.lockedUntil == nil {
                    entry.lockedUntil = time + configuration.lockoutDuration
                }
                entries[key] = entry
                delay = max(delay, delayFor(entry.failures))
            }
            prune(at: time)
            return delay
        }
    }

    /// After a successful login: forgets the account's and the client's failures.
    public func recordSuccess(client: String, account: String) {
        lock.withLock {
            for key in keys(client, account) { entries[key] = nil }
        }
    }

    /// Number of keys remembered (for metrics and tests).
    public var trackedKeyCount: Int { lock.withLock { entries.count } }

    private func keys(_ client: String, _ account: String?) -> [Key] {
        [.client(client)] + (account.map { [.account($0.lowercased())] } ?? [])
    }

    /// The entry still in force at `time`: expired locks and stale counts are dropped.
    private func current(_ key: Key, at time: Duration) -> Entry? {
        guard let entry = entries[key] else { return nil }
        if let until = entry.lockedUntil {
            if time < until { return entry }
        } else if time - entry.lastFailure < configuration.forgetAfter {
            return entry
        }
        entries[key] = nil
        return nil
    }

    private func delayFor(_ failures: Int) -> Duration {
        guard failures >= configuration.delayAfterFailures else { return .zero }
        let doublings = min(failures - configuration.delayAfterFailures, 30)
        return min(configuration.initialDelay * (1 << doublings), configuration.maximumDelay)
    }

    private func prune(at time: Duration) {
        guard entries.count > configuration.maximumTrackedKeys else { return }
        for key in Array(entries.keys) { _ = current(key, at: time) }
        guard entries.count > configuration.maximumTrackedKeys else { return }
        // Still full: drop the stalest unlocked entries down to 90 %.
        let target = configuration.maximumTrackedKeys * 9 / 10
        let stalest = entries.filter { $0.value.lockedUntil == nil }.sorted { $0.value.lastFailure < $1.value.lastFailure }
        for (key, _) in stalest.prefix(max(0, entries.count - target)) { entries[key] = nil }
    }
}
