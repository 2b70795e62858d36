import Foundation
import MailStore
import Synchronization

/// Open SMTP connections waiting between batches for more mail to the same destination
/// (`delivery.connection_idle_time`; docs/queue.md "Connection reuse"): when a batch ends and
/// more recipients of that destination become due or are claimed shortly after, the next batch
/// goes over the open connection instead of a new TCP connection and TLS handshake. RFC 5321
/// §4.1.1.5: the reused connection gets RSET first, which also shows the peer is still there.
///
/// A connection is only ever reused for the same destination, the same REQUIRETLS class and the
/// same MX (or relay) hosts; the worker also checks the TLS policy the router now gives its
/// address is the one it was opened under. It is closed (QUIT) after `idleTime` without use,
/// once it has carried `maxMessages` messages, or at shutdown. At most `capacity` wait at once.
final class IdleConnections: Sendable {
    struct Key: Hashable, Sendable {
        var destination: String
        var requirement: TLSRequirement
        /// The hosts the router gave (name and port, in order): another MX set never shares.
        var hosts: [String]
    }
    struct Parked: Sendable {
        var session: any DeliverySession
        var target: DeliveryTarget
        /// Messages this connection has carried so far (`delivery.max_messages_per_connection`).
        var sent: Int
    }
    private struct Entry: Sendable {
        var parked: Parked
        var id: UInt64
    }
    private struct State {
        var waiting: [Key: [Entry]] = [:]
        var count = 0
        var nextID: UInt64 = 0
        var closed = false
    }

    let idleTime: Duration
    let maxMessages: Int
    let capacity: Int
    private let state = Mutex(State())

    init(idleTime: Duration, maxMessages: Int, capacity: Int) {
        self.idleTime = idleTime
        self.maxMessages = maxMessages
        self.capacity = capacity
    }

    var isEnabled: Bool { idleTime > .zero && maxMessages > 1 }

    static func key(_ destination: String, _ requirement: TLSRequirement, _ hosts: [RouteHost]) -> Key {
        Key(destination: destination, requirement: requirement, hosts: hosts.map { "\($0.name):\($0.port)" })
    }

    /// The most recently parked connection for `key`, taken out of the pool; nil when none waits.
    func take(_ key: Key) -> Parked? {
        state.withLock { state -> Parked? in
            guard var entries = state.waiting[key], let last = entries.popLast() else { return nil }
            state.waiting[key] = entries.isEmpty ? nil : entries
            state.count -= 1
            return last.parked
        }
    }

    /// Keeps `parked` open for the next batch, or closes it when it has carried enough, the pool is
    /// full or closed, or reuse is off.
    func park(_ key: Key, _ parked: Parked) async {
        let id: UInt64? = state.withLock { state in
            guard isEnabled, !state.closed, parked.sent < maxMessages, state.count < capacity else { return nil }
            state.nextID += 1
            state.waiting[key, default: []].append(Entry(parked: parked, id: state.nextID))
            state.count += 1
            return state.nextID
        }
        guard let id else {
            await parked.session.close()
            return
        }
        Task { [idleTime] in
            try? await Task.sleep(for: idleTime)
            if let expired = self.remove(key, id: id) { await expired.session.close() }
        }
    }

    private func remove(_ key: Key, id: UInt64) -> Parked? {
        state.withLock { state -> Parked? in
            guard var entries = state.waiting[key], let index = entries.firstIndex(where: { $0.id == id }) else { return nil }
            let entry = entries.remove(at: index)
            state.waiting[key] = entries.isEmpty ? nil : entries
            state.count -= 1
            return entry.parked
        }
    }

    /// Closes every waiting connection (QUIT); when `stopping`, parks none from now on.
    func closeAll(stopping: Bool) async {
        let all = state.withLock { state -> [Parked] in
            if stopping { state.closed = true }
            defer { state.waiting = [:]; state.count = 0 }
            return state.waiting.values.flatMap { $0.map(\.parked) }
        }
        // At once, so a peer slow to answer QUIT holds shutdown for one command timeout at most.
        await withTaskGroup(of: Void.self) { group in
            for parked in all { group.addTask { await parked.session.close() } }
        }
    }
}
