import MailStore
import Synchronization

/// The message states (UID, mod-sequence, flags) of recently selected mailboxes, kept between
/// SELECTs and brought up to date by this process's own writes, so that a SELECT of a mailbox
/// whose states are known reads only the mailbox row (issue 24: reading every state was 9% of
/// a persistent IMAP round's instructions, docs/PERFORMANCE.md).
///
/// Why it cannot serve stale states: every change to a mailbox's messages raises the mailbox's
/// `highest_modseq` (RFC 7162 §3.1.1 requires a higher mod-sequence for every metadata change,
/// and the store's writes of flags, expunges, appends, moves and replaces all raise it), and
/// UIDVALIDITY values are never reused (`nextUIDValidity`). An entry is the exact list of states
/// at one (UIDVALIDITY, HIGHESTMODSEQ), and a SELECT uses it only when the mailbox row it reads,
/// in the same read transaction, names that pair. A write of this process moves an entry from
/// its mod-sequence before to its mod-sequence after, after its commit, and only if the entry is
/// at the "before" (otherwise the entry is dropped: writes answered out of order, another process
/// wrote in between); a write that does not report itself here (another process, a mailbox
/// rename) leaves the entry behind the row, and the next SELECT reads everything again.
final class MessageStateCache: Sendable {
    struct Entry {
        let uidValidity: UInt32
        var highestModSeq: UInt64
        /// In UID order, as `messageStates` reads them.
        var states: [MessageState]
        var lastUse: UInt64
    }

    /// What one committed write did to one mailbox's messages.
    enum Change {
        /// New states for existing UIDs (STORE).
        case updated([MessageState])
        /// Messages removed (EXPUNGE).
        case expunged(Set<UInt32>)
        /// One message added with a UID above every existing one (APPEND, COPY, delivery).
        case appended(MessageState)
    }

    private struct State {
        var entries: [MailboxID: Entry] = [:]
        var total = 0
        var clock: UInt64 = 0
    }
    private let state = Mutex(State())
    /// Most states kept over all mailboxes (about 50 bytes each); larger mailboxes are not kept.
    let limit: Int

    init(limit: Int = 200_000) { self.limit = limit }

    /// The states at exactly this UIDVALIDITY and HIGHESTMODSEQ, if known.
    func states(of mailbox: MailboxID, uidValidity: UInt32, highestModSeq: UInt64) -> [MessageState]? {
        state.withLock { state in
            guard let entry = state.entries[mailbox], entry.uidValidity == uidValidity,
                  entry.highestModSeq == highestModSeq else { return nil }
            state.clock += 1
            state.entries[mailbox]?.lastUse = state.clock
            return entry.states
        }
    }

    /// Keeps states read in one snapshot, unless a newer entry is already there.
    func store(_ states: [MessageState], of mailbox: MailboxID, uidValidity: UInt32, highestModSeq: UInt64) {
        guard states.count <= limit else { return }
        state.withLock { state in
            if let old = state.entries[mailbox] {
                if old.uidValidity == uidValidity, old.highestModSeq >= highestModSeq { return }
                state.total -= old.states.count
            }
            state.clock += 1
            state.entries[mailbox] = Entry(uidValidity: uidValidity, highestModSeq: highestModSeq, states: states,
                                           lastUse: state.clock)
            state.total += states.count
            while state.total > limit, let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                state.total -= oldest.value.states.count
                state.entries[oldest.key] = nil
            }
        }
    }

    /// After the commit of a write that took the mailbox from mod-sequence `from` to `to`.
    func apply(_ change: Change, to mailbox: MailboxID, from: UInt64, to: UInt64) {
        state.withLock { state in
            guard var entry = state.entries.removeValue(forKey: mailbox) else { return }
            state.total -= entry.states.count
            // Not the state this write started from: dropped (the next SELECT reads it all).
            guard entry.highestModSeq == from, entry.apply(change) else { return }
            entry.highestModSeq = to
            state.total += entry.states.count
            state.entries[mailbox] = entry
        }
    }

    /// Forgets a mailbox (deleted, renamed, or changed in a way not described by `Change`).
    func forget(_ mailbox: MailboxID) {
        state.withLock { state in
            if let old = state.entries.removeValue(forKey: mailbox) { state.total -= old.states.count }
        }
    }
}

extension MessageStateCache.Entry {
    /// False when the change does not fit the states (then the entry is dropped).
    fileprivate mutating func apply(_ change: MessageStateCache.Change) -> Bool {
        switch change {
        case .updated(let updated):
            for new in updated {
                guard let index = index(of: new.uid) else { return false }
                states[index] = new
            }
        case .expunged(let uids) where uids.count <= 8:
            // An EXPUNGE of a message or a few (the usual one): found by binary search instead
            // of hashing every state's UID into the set (about 16,000 instructions per EXPUNGE
            // of a 200-message mailbox, docs/PERFORMANCE.md 2026-12-06 night). Same outcome:
            // a UID the states do not hold drops the entry.
            for uid in uids.sorted(by: >) {
                guard let index = index(of: uid) else { return false }
                states.remove(at: index)
            }
        case .expunged(let uids):
            let before = states.count
            states.removeAll { uids.contains($0.uid) }
            guard before - states.count == uids.count else { return false }
        case .appended(let new):
            guard new.uid > (states.last?.uid ?? 0) else { return false }
            states.append(new)
        }
        return true
    }

    /// Binary search: `states` is in UID order.
    private func index(of uid: UInt32) -> Int? {
        var low = 0, high = states.count
        while low < high {
            let middle = (low + high) / 2
            if states[middle].uid < uid { low = middle + 1 } else { high = middle }
        }
        return low < states.count && states[low].uid == uid ? low : nil
    }
}
