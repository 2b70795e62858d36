import Foundation
import Logging
import MailStore

/// The `[rate]` counts of a node that shares its store with others (docs/scaling.md "Login
/// throttle and rate limits across nodes"): each check goes to the `RateCounterStore` (one round
/// trip), bounded by `timeout`. When the store fails or is slow the check is counted in the
/// process instead (fail open to per-node limits): a rate limit is a brake on floods, not a
/// security boundary, and refusing every connection while the database is away would turn a
/// database outage into a mail outage for senders that are not flooding at all. Each node then
/// still holds a client to the configured rate, so a flood is slowed by at most the number of
/// nodes. The fallback is logged at most once a minute.
public struct SharedRateCounts: Sendable {
    public static let defaultTimeout: Duration = .seconds(2)

    let store: any RateCounterStore
    let timeout: Duration
    let logger: Logger
    let outage = OutageNotice()

    public init(store: any RateCounterStore, timeout: Duration = Self.defaultTimeout, logger: Logger = Logger(label: "hato.rate")) {
        self.store = store
        self.timeout = timeout
        self.logger = logger
    }

    /// The store's answer, or nil when it failed or took longer than `timeout`.
    func admit(scope: String, key: String, limit: Int, window: TimeInterval, now: Date) async -> Bool? {
        let store = self.store
        do {
            return try await Deadline.run(timeout) {
                try await store.admitRate(scope: scope, key: key, limit: limit, cost: 1, window: window, now: now)
            }
        } catch {
            if outage.due() {
                logger.warning("rate limits: the shared counts are unreachable, counting on this node only", metadata: ["error": "\(error)"])
            }
            return nil
        }
    }
}

/// At most one log line a minute about the same outage.
final class OutageNotice: @unchecked Sendable {
    private let lock = NSLock()
    private var last: ContinuousClock.Instant?

    func due() -> Bool {
        lock.withLock {
            let now = ContinuousClock.now
            if let last, now - last < .seconds(60) { return false }
            last = now
            return true
        }
    }
}
