// What a stage keeps for the length of one SMTP connection, such as a milter's conversation,
// which Postfix holds from CONNECT to QUIT so that a filter can answer each command as it comes
// (docs/milter.md "When filters answer"). Stages are shared by every session; this is not.

import Synchronization

/// State that stages keep for one connection, by key, and what must run when it ends.
public final class ReceptionSession: Sendable {
    private let values = Mutex<[String: any Sendable]>([:])
    private let closers = Mutex<[@Sendable () async -> Void]?>([])

    public init() {}

    /// The value under `key`, made by `make` the first time it is asked for (nil once the
    /// session has ended: a stage then works without session state).
    public func value<Value: Sendable>(_ key: String, make: () -> Value) -> Value? {
        guard closers.withLock({ $0 != nil }) else { return nil }
        return values.withLock { values in
            if let existing = values[key] as? Value { return existing }
            let made = make()
            values[key] = made
            return made
        }
    }

    /// Runs `closer` when the connection ends (at once if it has ended).
    public func onClose(_ closer: @escaping @Sendable () async -> Void) async {
        let added = closers.withLock { closers -> Bool in
            guard closers != nil else { return false }
            closers!.append(closer)
            return true
        }
        if !added { await closer() }
    }

    /// The connection ended: runs every closer once, in the order they were added.
    public func close() async {
        for closer in end() { await closer() }
    }

    /// The connection ended: forgets the values and returns the closers to run (each once;
    /// later `onClose` calls run theirs at once). Without closers (no milter, the usual case) the
    /// caller has nothing to wait for and needs no task: one per connection woke a thread of the
    /// cooperative pool for nothing (issue 24).
    public func end() -> [@Sendable () async -> Void] {
        let pending = closers.withLock { closers -> [@Sendable () async -> Void] in
            defer { closers = nil }
            return closers ?? []
        }
        values.withLock { $0.removeAll() }
        return pending
    }
}
