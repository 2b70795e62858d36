import IMAPProtocol
import MailStore

/// The session's view of its selected mailbox (RFC 9051 §2.3.1.2): message sequence numbers are
/// positions in `uids`, which changes only when this session tells its client (EXISTS, EXPUNGE,
/// VANISHED). Changes from the store's change feed wait in `pending` until a moment the RFC
/// allows them to be announced (RFC 9051 §7.5.1, §5.2).
final class SelectedMailbox {
    let mailbox: Mailbox
    let readOnly: Bool
    /// UIDs in ascending order; index + 1 is the message sequence number.
    private(set) var uids: [UInt32]
    /// Flags and mod-sequence per UID, as last told to the client.
    private(set) var known: [UInt32: (flags: MessageFlags, modSeq: UInt64)]
    /// Changes heard from the feed and not yet announced, in order.
    private var pending: [MailboxChange] = []
    /// Expunges held back while FETCH, STORE or SEARCH ran (RFC 9051 §7.5.1).
    private var heldExpunges: [UInt32] = []
    /// The highest mod-sequence the client has been told about.
    private(set) var highestModSeq: UInt64
    /// RFC 5182 / RFC 9051 §6.4.4.1: the UIDs saved by `SEARCH RETURN (SAVE)` for `$`.
    var savedUIDs: Set<UInt32>? = nil
    /// The feed listener; cancelled when the mailbox is closed.
    var feedTask: Task<Void, Never>?
    /// Counts the feed's changes for the mailbox (`caughtUp`); nil: the view is never assumed current.
    var feedProbe: FeedProbe?
    /// Changes of the feed this view has received.
    private var heardChanges: UInt64 = 0
    /// The mailbox was deleted or renamed away under the session.
    private(set) var removed = false
    /// The highest UID this session has ever had in its view; unlike `largestUID` it does not go
    /// down when the newest message is expunged (UIDs are never reused, RFC 9051 §2.3.1.1).
    private var highestSeenUID: UInt32
    /// Keywords the client has been told about with FLAGS (RFC 3501 §7.2.6, RFC 9051 §7.3.5),
    /// lowercased (keywords compare without regard to case) to the spelling announced.
    var announcedKeywords: [String: String]
    /// How this session takes part in \Recent (RFC 3501 §2.3.2); nil: not at all (IMAP4rev2,
    /// RFC 9051 dropped it). See SelectedMailbox+Recent.swift.
    var recentMode: RecentMode?
    /// The messages that are \Recent in this session (possibly announced through the feed
    /// before they are in `uids`).
    var recent: Set<UInt32> = []
    /// How many of `recent` are in the view (`known`): the RECENT count, kept current rather
    /// than counted on every EXISTS update (that scan grew with every message appended).
    var recentInView = 0
    /// RFC 5267 §4.3: the searches kept live (`SelectedMailbox+Contexts.swift`), and the
    /// messages they must look at again (arrived, or flags changed).
    var updateContexts: [UpdateContext] = []
    /// Messages this session put here itself (APPEND, COPY, MOVE, REPLACE) and not yet announced.
    var ownAppended: Set<UInt32> = []
    var contextRecheck: Set<UInt32> = []

    convenience init(mailbox: Mailbox, readOnly: Bool, messages: [StoredMessage], recentMode: RecentMode? = nil, recentFrom: UInt32 = .max) {
        self.init(mailbox: mailbox, readOnly: readOnly, messages: messages.map(MessageState.init), recentMode: recentMode, recentFrom: recentFrom)
    }

    init(mailbox: Mailbox, readOnly: Bool, messages: [MessageState], recentMode: RecentMode? = nil, recentFrom: UInt32 = .max) {
        self.mailbox = mailbox
        self.readOnly = readOnly
        self.recentMode = recentMode
        var uids: [UInt32] = [], known: [UInt32: (flags: MessageFlags, modSeq: UInt64)] = [:], keywords: [String: String] = [:]
        uids.reserveCapacity(messages.count); known.reserveCapacity(messages.count)  // no regrowth, no rehashing
        var recent: Set<UInt32> = [], spellings: Set<String> = [], highestModSeq = mailbox.highestModSeq, highestUID: UInt32 = 0
        for message in messages {  // one pass: every SELECT builds this view
            uids.append(message.uid)
            known[message.uid] = (message.flags, message.modSeq)
            highestModSeq = max(highestModSeq, message.modSeq); highestUID = max(highestUID, message.uid)
            if recentMode != nil, message.uid >= recentFrom { recent.insert(message.uid) }
            for keyword in message.flags.keywords where spellings.insert(keyword).inserted {  // lowercased once per spelling
                let folded = keyword.lowercased(); if keywords[folded] == nil { keywords[folded] = keyword }
            }
        }
        self.recent = recent; self.recentInView = recent.count
        self.uids = uids; self.known = known; self.highestModSeq = highestModSeq
        self.highestSeenUID = highestUID; self.announcedKeywords = keywords
    }

    deinit { feedTask?.cancel() }

    var count: UInt32 { UInt32(uids.count) }
    var largestUID: UInt32 { uids.last ?? 0 }

    func sequenceNumber(of uid: UInt32) -> UInt32? {
        var low = 0, high = uids.count - 1
        while low <= high {
            let mid = (low + high) / 2
            if uids[mid] == uid { return UInt32(mid + 1) }
            if uids[mid] < uid { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    func uid(at sequenceNumber: UInt32) -> UInt32? {
        guard sequenceNumber >= 1, sequenceNumber <= count else { return nil }
        return uids[Int(sequenceNumber - 1)]
    }

    /// The UIDs a sequence set names, ascending. `uid` false: message sequence numbers, where `*`
    /// is the last message; true: UIDs, where `*` is the largest UID (RFC 9051 §6.4.8: a range
    /// like `N:*` includes the largest UID even when N is above it). Nil for `$` without SAVE.
    func resolve(_ set: IMAPSequenceSet, uid: Bool) -> [UInt32] {
        if case .lastCommand = set {
            return (savedUIDs ?? []).filter { known[$0] != nil }.sorted()
        }
        if uid {
            guard let last = uids.last else { return [] }
            var out: [UInt32] = []
            for range in set.resolved(star: last) {
                // Binary search the start, then walk: UID sets can be large ranges over few messages.
                var index = uids.partitioningIndex { $0 >= range.lowerBound }
                while index < uids.count, uids[index] <= range.upperBound {
                    out.append(uids[index])
                    index += 1
                }
            }
            return out
        }
        guard count > 0 else { return [] }
        var out: [UInt32] = []
        for range in set.resolved(star: count) where range.lowerBound <= count {
            for n in range.lowerBound...min(range.upperBound, count) { out.append(uids[Int(n - 1)]) }
        }
        return out
    }

    /// True when a message-sequence set names a number above EXISTS (RFC 9051 §6.4.8 asks for BAD).
    func outOfRange(_ set: IMAPSequenceSet) -> Bool {
        guard case .ranges(let ranges) = set else { return false }
        for range in ranges {
            for n in [range.first, range.last] { if case .number(let v) = n, v > count { return true } }
        }
        return false
    }

    // MARK: changes

    func receive(_ change: MailboxChange) {
        if case .mailboxRemoved = change { removed = true }
        heardChanges += 1
        pending.append(change)
    }

    /// True when the view is what the store holds for its messages: nothing waits in `pending`,
    /// and every change published since the view subscribed has arrived (none is still on its
    /// way through the feed listener). Then FETCH of UID, FLAGS and MODSEQ needs no store read.
    var caughtUp: Bool {
        guard !hasPending, let probe = feedProbe, let now = probe.published() else { return false }
        return now &- probe.baseline <= heardChanges
    }

    var hasPending: Bool { !pending.isEmpty || !heldExpunges.isEmpty }
    /// Changes waiting to be told; a session whose client hears none of them is ended before
    /// this grows without bound (`IMAPSession.maxPendingUpdates`).
    var pendingCount: Int { pending.count }

    /// Every UID up to `uid` was assigned before this view subscribed to the change feed (read
    /// from the mailbox record before subscribing): such messages are in the view or already
    /// expunged, so none can still arrive through the feed and the gap check may skip them.
    func noteAssignedBeforeSubscribing(upTo uid: UInt32) {
        highestSeenUID = max(highestSeenUID, uid)
    }

    /// This session appended messages to its own selected mailbox: RFC 9051 §6.3.12 says the
    /// client SHOULD hear EXISTS at once, i.e. before the tagged OK (Dovecot does this too, and
    /// clients then address the new message by number). They are queued as if the feed had
    /// delivered them, unless another session's message with a lower UID may still be on its way
    /// through the feed (a UID gap): numbering must follow UID order, so then the feed decides.
    /// Those the feed already delivered (all or some of them) are left as they are.
    func noteOwnAppends(_ appended: [(uid: UInt32, modSeq: UInt64, flags: MessageFlags)]) {
        ownAppended.formUnion(appended.map(\.uid))  // RFC 5465 §5.2: no MessageNew FETCH for these
        let pendingUIDs = Set(pending.compactMap { change -> UInt32? in
            if case .appended(let uid, _, _) = change { return uid }
            return nil
        })
        let fresh = appended.filter { known[$0.uid] == nil && !pendingUIDs.contains($0.uid) }.sorted { $0.uid < $1.uid }
        guard let first = fresh.first?.uid else { return }
        guard first == max(highestSeenUID, pendingUIDs.max() ?? 0) + 1,
              zip(fresh, fresh.dropFirst()).allSatisfy({ $0.uid + 1 == $1.uid }) else { return }
        for message in fresh { pending.append(.appended(uid: message.uid, modSeq: message.modSeq, flags: message.flags)) }
    }

    /// This session changed flags itself and told its client: later feed echoes are stale.
    func noteFlags(_ message: StoredMessage) {
        guard known[message.uid] != nil else { return }
        known[message.uid] = (message.flags, message.modSeq)
        highestModSeq = max(highestModSeq, message.modSeq)
        noteContextCheck(message.uid)
    }

    /// This session expunged messages and is telling its client now; returns their sequence
    /// numbers, each valid at the moment it is sent (RFC 9051 §7.5.1: decreasing is simplest).
    func removeForExpunge(_ removed: [UInt32], modSeq: UInt64? = nil) -> [UInt32] {
        var numbers: [UInt32] = []
        for uid in removed.sorted(by: >) {
            guard let n = sequenceNumber(of: uid) else { continue }
            uids.remove(at: Int(n - 1))
            known[uid] = nil
            if recent.remove(uid) != nil { recentInView -= 1 }
            numbers.append(n)
        }
        if let modSeq { highestModSeq = max(highestModSeq, modSeq) }
        return numbers
    }

    /// What to tell the client now. `allowExpunge` is false during FETCH, STORE and SEARCH
    /// (RFC 9051 §7.5.1); then expunges are held and the numbering stays as it is. A keyword
    /// new to the client is announced (FLAGS, PERMANENTFLAGS) before the EXISTS or FETCH that
    /// brings it.
    func flush(allowExpunge: Bool, qresync: Bool, modSeqs: Bool) -> [IMAPResponse] {
        var out: [IMAPResponse] = []
        var expunged: [UInt32] = []
        func announceExpunges() {
            guard !expunged.isEmpty else { return }
            // RFC 5267 §4.3.4: REMOVEFROM before the EXPUNGE, while the numbers hold.
            out += contextRemovals(expunged.filter { known[$0] != nil })
            if qresync {
                let gone = expunged.filter { known[$0] != nil }
                _ = removeForExpunge(gone)
                if !gone.isEmpty { out.append(.data(.vanished(earlier: false, UIDSet.make(gone)))) }
            } else {
                for n in removeForExpunge(expunged) { out.append(.data(.expunge(n))) }
            }
            expunged.removeAll()
        }
        if allowExpunge {
            expunged = heldExpunges
            heldExpunges.removeAll()
        }
        var grew = false
        for change in pending {
            switch change {
            case .appended(let uid, let modSeq, let flags):
                // Not `largestUID`: once the newest message is expunged, the feed's late echo of
                // its own append (this session announced it already, `noteOwnAppends`) would
                // bring the expunged message back and announce its EXPUNGE twice.
                guard known[uid] == nil, uid > highestSeenUID else { continue }
                announceExpunges()
                let keywords = announce(flags)
                if !keywords.isEmpty {
                    if grew { out += existsUpdate(); grew = false }
                    out += keywords
                }
                uids.append(uid)
                known[uid] = (flags, modSeq)
                if recent.contains(uid) { recentInView += 1 }
                highestModSeq = max(highestModSeq, modSeq)
                highestSeenUID = max(highestSeenUID, uid)
                grew = true
                noteContextCheck(uid)
            case .flagsChanged(let uid, let modSeq, let flags):
                guard let current = known[uid], modSeq > current.modSeq, let n = sequenceNumber(of: uid) else { continue }
                if grew { out += existsUpdate(); grew = false }
                out += announce(flags)
                known[uid] = (flags, modSeq)
                highestModSeq = max(highestModSeq, modSeq)
                var items: [IMAPFetchItem] = [.flags(flagNames(uid, flags))]
                // RFC 7162 §3.2.4: with QRESYNC unsolicited FETCH carries the UID.
                if qresync { items.insert(.uid(uid), at: 0) }
                if modSeqs { items.append(.modSeq(modSeq)) }
                out.append(.data(.fetch(n, items)))
                noteContextCheck(uid)
            case .expunged(let removed, let modSeq):
                if grew { out += existsUpdate(); grew = false }
                let present = removed.filter { known[$0] != nil }
                if allowExpunge { expunged += present } else { heldExpunges += present }
                highestModSeq = max(highestModSeq, modSeq)
            case .mailboxRemoved:
                break
            }
        }
        pending.removeAll()
        if grew { out += existsUpdate() }
        announceExpunges()
        return out
    }
}

/// UID sets in their shortest form (`1:3,7`), for VANISHED, COPYUID, APPENDUID and ESEARCH ALL.
enum UIDSet {
    static func make(_ values: [UInt32]) -> IMAPSequenceSet {
        var ranges: [IMAPSequenceRange] = []
        for value in Set(values).sorted() {
            if let last = ranges.last, case .number(let end) = last.last, value == end &+ 1 {
                ranges[ranges.count - 1].last = .number(value)
            } else {
                ranges.append(IMAPSequenceRange(value))
            }
        }
        return IMAPSequenceSet(ranges)
    }

    /// Keeps the order given (COPYUID pairs source and destination by position, RFC 4315 §3).
    static func ordered(_ values: [UInt32]) -> IMAPSequenceSet {
        IMAPSequenceSet(values.map { IMAPSequenceRange($0) })
    }
}

extension Array where Element == UInt32 {
    /// The first index whose element satisfies `predicate`, for a predicate that is false then true.
    func partitioningIndex(where predicate: (UInt32) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if predicate(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
