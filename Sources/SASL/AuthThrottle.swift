import Foundation

/// Brute-force limiter for logins, counted per client address and per account name.
///
/// An attempt is a reservation: `begin` it once the account name is known and before its
/// credentials are read, then `settle` it with the outcome. Until it is settled the attempt
/// counts as a failure, so parallel attempts cannot all pass the check before any of them fails
/// (twenty simultaneous guesses get at most `lockoutAfterFailures` credential checks).
///
/// - Every attempt counts against the client and the account name; unknown account names are
///   counted exactly like existing ones, so the limiter's behaviour reveals nothing about existence.
/// - From `delayAfterFailures` counted attempts on a key, every reply to that key is delayed:
///   `initialDelay`, doubling per further failure, at most `maximumDelay`.
/// - When a key's count reaches `lockoutAfterFailures` it is locked for `lockoutDuration`:
///   `begin` refuses without letting credentials be checked. When the lock ends the count starts
///   again from zero.
/// - A success releases its reservation, clears the client address's count and makes the
///   (client, account) pair known-good for `knownClientDuration`. It does not clear the account's
///   count: otherwise a mail client polling with the right password would reset the lock for a
///   distributed attacker every few minutes.
/// - A known-good pair is exempt from the account's count, delay and lock (but never from its
///   address's): locking an account from elsewhere does not lock out its owner's usual address.
/// - An attempt that ends without a credential check (cancelled, malformed, authorization
///   refused after a right password, store unavailable) releases its reservation; one never
///   settled (the connection dropped mid-exchange) stays counted as a failure.
/// - Counts fade after `forgetAfter` without attempts.
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
        /// How long a successful login keeps its (address, account) pair exempt from the
        /// account's lock (`auth.known_client_duration`).
        public var knownClientDuration: Duration
        /// Bound on remembered keys and on known-good pairs (each a few dozen bytes); the
        /// stalest are dropped first.
        public var maximumTrackedKeys: Int
        /// Client addresses never counted, delayed or locked (`auth.benchmark_throttle_exempt`:
        /// loopback addresses only, for load generators that log in thousands of times a second).
        public var exemptClients: Set<String> = []

        public init(
            delayAfterFailures: Int = 3, lockoutAfterFailures: Int = 10,
            initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(16),
            lockoutDuration: Duration = .seconds(15 * 60), forgetAfter: Duration = .seconds(60 * 60),
            knownClientDuration: Duration = .seconds(30 * 24 * 60 * 60), maximumTrackedKeys: Int = 100_000
        ) {
            self.delayAfterFailures = max(1, delayAfterFailures)
            self.lockoutAfterFailures = max(self.delayAfterFailures, lockoutAfterFailures)
            self.initialDelay = initialDelay
            self.maximumDelay = max(initialDelay, maximumDelay)
            self.lockoutDuration = lockoutDuration
            self.forgetAfter = forgetAfter
            self.knownClientDuration = knownClientDuration
            self.maximumTrackedKeys = max(1, maximumTrackedKeys)
        }
    }

    public enum Decision: Sendable, Equatable {
        /// Go ahead; an attempt now would have its reply held for `delay`.
        case allow(delay: Duration)
        /// Refuse with `SASLFailure.tooManyFailures`; the lock lifts after `retryAfter`.
        case lockedOut(retryAfter: Duration)
    }

    public enum Admission: Sendable, Equatable {
        /// Check the credentials, then `settle` the reservation.
        case admitted(Reservation)
        /// Refuse with `SASLFailure.tooManyFailures` without checking the credentials.
        case lockedOut(retryAfter: Duration)
    }

    /// One attempt in flight, counted as a failure until settled.
    public struct Reservation: Sendable, Equatable {
        public let client: String
        public let account: String
        /// How long to hold the reply to this attempt, success or failure alike, so a quick
        /// answer never betrays a right guess.
        public let delay: Duration
        /// The keys this attempt was counted against, with the generation of each key's entry
        /// (an entry that expired and was re-created is not touched by an old reservation).
        public let counted: [Key: UInt64]

        public init(client: String, account: String, delay: Duration, counted: [Key: UInt64]) {
            self.client = client
            self.account = account
            self.delay = delay
            self.counted = counted
        }
    }

    public enum Outcome: Sendable, Equatable {
        /// The credentials were checked and were wrong: the reservation stays counted.
        case failedCredentialCheck
        /// The credentials were right.
        case success
        /// No credential check happened (cancelled, malformed, refused authzid, store error).
        case noCheck
    }

    /// What a count is kept for: a client address, or an account name (lowercased).
    public enum Key: Hashable, Sendable { case client(String), account(String) }
    struct Entry {
        var settled: Int
        var inFlight: Int
        var lastAttempt: Duration
        var lockedUntil: Duration?
        var generation: UInt64
        var count: Int { settled + inFlight }
    }
    struct KnownPair: Hashable { let client: String; let account: String }

    public let configuration: Configuration
    let now: @Sendable () -> Duration
    let lock = NSLock()
    var entries: [Key: Entry] = [:]
    var knownGood: [KnownPair: Duration] = [:]
    private var nextGeneration: UInt64 = 0

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

    /// Whether an attempt would be admitted now, without counting one (an early refusal before
    /// any work). Pass the account once the client has named it.
    public func check(client: String, account: String?) -> Decision {
        if configuration.exemptClients.contains(client) { return .allow(delay: .zero) }
        return lock.withLock {
            let time = now()
            if let retryAfter = retryAfter(client, account, at: time) { return .lockedOut(retryAfter: retryAfter) }
            let delay = keys(client, account, at: time).map { delayFor((current($0, at: time)?.count ?? 0) + 1) }.max()
            return .allow(delay: delay ?? .zero)
        }
    }

    /// Starts an attempt on `account` from `client`, just before its credentials are read:
    /// counted as a failure at once, or refused (`.lockedOut`) when a key is locked or its
    /// attempts in flight and failures already reach the limit.
    public func begin(client: String, account: String) -> Admission {
        if configuration.exemptClients.contains(client) {  // counted nowhere: settling it changes no count
            return .admitted(Reservation(client: client, account: account.lowercased(), delay: .zero, counted: [:]))
        }
        return lock.withLock {
            let time = now()
            if let retryAfter = retryAfter(client, account, at: time) { return .lockedOut(retryAfter: retryAfter) }
            var counted: [Key: UInt64] = [:]
            var delay = Duration.zero
            for key in keys(client, account, at: time) {
                var entry = current(key, at: time) ?? newEntry(at: time)
                entry.inFlight += 1
                entry.lastAttempt = time
                if entry.count >= configuration.lockoutAfterFailures && entry.lockedUntil == nil {
                    entry.lockedUntil = time + configuration.lockoutDuration
                }
                entries[key] = entry
                counted[key] = entry.generation
                delay = max(delay, delayFor(entry.count))
            }
            prune(at: time)
            return .admitted(Reservation(client: client, account: account.lowercased(), delay: delay, counted: counted))
        }
    }

    /// Ends an attempt. Returns how long to hold the reply: the reservation's delay after a
    /// credential check (right or wrong), nothing when no check happened.
    @discardableResult
    public func settle(_ reservation: Reservation, _ outcome: Outcome) -> Duration {
        lock.withLock {
            let time = now()
            for (key, generation) in reservation.counted {
                guard var entry = current(key, at: time), entry.generation == generation else { continue }
                entry.inFlight = max(0, entry.inFlight - 1)
                switch outcome {
                case .failedCredentialCheck: entry.settled += 1
                case .success: if case .client = key { entry.settled = 0 }
                case .noCheck: break
                }
                if entry.count < configuration.lockoutAfterFailures { entry.lockedUntil = nil }
                entries[key] = entry.count == 0 && entry.lockedUntil == nil ? nil : entry
            }
            if outcome == .success { rememberKnownGood(reservation.client, reservation.account, at: time) }
            return outcome == .noCheck ? .zero : reservation.delay
        }
    }

    /// Number of keys remembered (for metrics and tests).
    public var trackedKeyCount: Int { lock.withLock { entries.count } }

    /// The keys an attempt counts against: always the address; the account unless this address
    /// logged in to it successfully within `knownClientDuration`.
    private func keys(_ client: String, _ account: String?, at time: Duration) -> [Key] {
        guard let account = account?.lowercased() else { return [.client(client)] }
        return isKnownGood(client, account, at: time) ? [.client(client)] : [.client(client), .account(account)]
    }

    private func retryAfter(_ client: String, _ account: String?, at time: Duration) -> Duration? {
        var retryAfter: Duration?
        for key in keys(client, account, at: time) {
            guard let entry = current(key, at: time) else { continue }
            if let until = entry.lockedUntil {
                retryAfter = max(retryAfter ?? .zero, until - time)
            } else if entry.count >= configuration.lockoutAfterFailures {
                retryAfter = max(retryAfter ?? .zero, configuration.lockoutDuration)
            }
        }
        return retryAfter
    }

    private func newEntry(at time: Duration) -> Entry {
        nextGeneration &+= 1
        return Entry(settled: 0, inFlight: 0, lastAttempt: time, lockedUntil: nil, generation: nextGeneration)
    }

    /// The entry still in force at `time`: expired locks and stale counts are dropped.
    private func current(_ key: Key, at time: Duration) -> Entry? {
        guard let entry = entries[key] else { return nil }
        if let until = entry.lockedUntil {
            if time < until { return entry }
        } else if time - entry.lastAttempt < configuration.forgetAfter {
            return entry
        }
        entries[key] = nil
        return nil
    }

    private func delayFor(_ failures: Int) -> Duration { configuration.delay(forFailures: failures) }

    private func prune(at time: Duration) {
        guard entries.count > configuration.maximumTrackedKeys else { return }
        for key in Array(entries.keys) { _ = current(key, at: time) }
        guard entries.count > configuration.maximumTrackedKeys else { return }
        // Still full: drop the stalest unlocked entries down to 90 %.
        let target = configuration.maximumTrackedKeys * 9 / 10
        let stalest = entries.filter { $0.value.lockedUntil == nil }.sorted { $0.value.lastAttempt < $1.value.lastAttempt }
        for (key, _) in stalest.prefix(max(0, entries.count - target)) { entries[key] = nil }
    }
}
