// The assessment keeps what it derives from a message's lists (the lookalike comparison of the
// trusted domains, the index of known names) while the same lists come back. Mail for many
// recipients arrives in turn, each with their own correspondents, so the values of a few recent
// lists are kept, not only the last one's (docs/PERFORMANCE.md, issue 24). Finding one compares
// arrays: that stops at the first difference, and at once for the very array that was kept.

import Synchronization

/// Values made from keys, the `capacity` most recently used kept.
final class RecentValues<Key: Equatable & Sendable, Value: Sendable>: Sendable {
    let capacity: Int
    /// Most recently used first.
    private let entries = Mutex<[(key: Key, value: Value)]>([])

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The value kept for `key`, or `make(key)` (then kept).
    func value(for key: Key, make: (Key) -> Value) -> Value {
        let kept = entries.withLock { entries -> Value? in
            guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
            if index > 0 { entries.insert(entries.remove(at: index), at: 0) }
            return entries[0].value
        }
        if let kept { return kept }
        let value = make(key)
        entries.withLock { entries in
            entries.insert((key, value), at: 0)
            if entries.count > capacity { entries.removeLast(entries.count - capacity) }
        }
        return value
    }
}
