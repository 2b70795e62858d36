import Synchronization

/// A cap on open connections: one shared by every listener (`limits.max_connections`, kept below
/// the process's descriptor limit with a reserve for the store, queue and DNS) and one per
/// listener (`limits.max_connections_per_listener`, so a flood on port 25 leaves room for IMAP).
/// A connection over a cap is answered with the protocol's busy reply and closed.
public final class ConnectionBudget: Sendable {
    public let limit: Int
    private let open = Atomic<Int>(0)

    public init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a slot; false when all `limit` are in use.
    public func acquire() -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = open.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    public func release() { open.subtract(1, ordering: .acquiringAndReleasing) }

    public var count: Int { open.load(ordering: .relaxed) }
}
