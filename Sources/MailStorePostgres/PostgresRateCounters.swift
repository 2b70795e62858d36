import Foundation
import MailStore

/// The `[rate]` counts shared by every node (`rate_counters`, schema step 11): one statement per
/// check running `hato_rate_admit` under the key's row lock, so two nodes counting the same
/// network never both take its last slot. Rows expire two windows after their last window began;
/// a node asks for the prune at most once a minute with a check it makes anyway, and above
/// `maxKeys` rows the oldest go (as the in-process limiter stops tracking new keys when full).
public struct PostgresRateCounters: RateCounterStore {
    let store: PostgresMailStore
    let maxKeys: Int
    let pruning = PruneSchedule()

    public init(store: PostgresMailStore, maxKeys: Int) {
        self.store = store
        self.maxKeys = max(1, maxKeys)
    }

    public func admitRate(scope: String, key: String, limit: Int, cost: Int, window: TimeInterval, now: Date) async throws -> Bool {
        let time = now.timeIntervalSince1970, prune = pruning.due(at: time), maxKeys = maxKeys
        return try await store.statement { db in
            try await db.value("""
                SELECT hato_rate_admit(\(scope), \(key), \(limit), \(cost), \(window), \(time), \(prune), \(maxKeys))
                """, as: Bool.self) ?? false
        }
    }
}
