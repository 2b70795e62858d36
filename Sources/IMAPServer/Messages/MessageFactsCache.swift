import MailStore
import Synchronization

/// What never changes about a stored message once it has its UID: internal date, size, body
/// reference, stored summary and save date (RFC 9051 §2.3.1.1: a UID names one message for as
/// long as the mailbox keeps its UIDVALIDITY; the store's UIDVALIDITY counter gives every
/// mailbox, recreated ones too, a value no other has had). Flags and mod-sequence change and are
/// not taken from here: they come from the session's view (`SelectedMailbox.known`).
///
/// Why: every write to the mailboxes makes SQLite empty each other connection's page cache, so
/// a SEARCH of SUBJECT, FROM, LARGER or SINCE read every row of the mailbox again, summaries
/// included (about 4,800 instructions per row; 13% of the IMAP mix's instructions, issue 24).
/// With the facts here such a search reads only the rows it has not seen.
///
/// One per `IMAPServer` (that is, per store: the key names no store), bounded by
/// `limits.imap_message_cache` entries in each of two generations: a hit in the older one moves
/// the entry forward, and when the newer one is full the older is dropped.
final class MessageFactsCache: Sendable {
    struct Key: Hashable, Sendable {
        let mailbox: MailboxID
        let uidValidity: UInt32
        let uid: UInt32
    }

    private struct Generations {
        var current: [Key: CachedMessage] = [:]
        var previous: [Key: CachedMessage] = [:]
    }

    let limit: Int
    private let generations = Mutex(Generations())

    init(limit: Int) { self.limit = max(0, limit) }

    /// The cached messages of `uids` in `mailbox` (flags and mod-sequence as they were read, to
    /// be replaced by the caller's), and the UIDs not cached, both in the order of `uids`.
    func lookup(_ mailbox: MailboxID, uidValidity: UInt32, uids: [UInt32]) -> (found: [CachedMessage], missing: [UInt32]) {
        var found: [CachedMessage] = []
        var missing: [UInt32] = []
        found.reserveCapacity(uids.count)
        generations.withLock { g in
            for uid in uids {
                let key = Key(mailbox: mailbox, uidValidity: uidValidity, uid: uid)
                if let hit = g.current[key] {
                    found.append(hit)
                } else if let hit = g.previous.removeValue(forKey: key) {
                    Self.add(hit, for: key, to: &g, limit: limit)
                    found.append(hit)
                } else {
                    missing.append(uid)
                }
            }
        }
        return (found, missing)
    }

    /// Remembers messages just read from the store for `uidValidity` of their mailbox; returns
    /// them as cached (with `fold`, their summaries' `SearchFacts` made here, outside the lock).
    @discardableResult
    func insert(_ messages: [StoredMessage], uidValidity: UInt32, fold: Bool) -> [CachedMessage] {
        store(messages.map { CachedMessage($0, fold: fold) }, uidValidity: uidValidity)
    }

    /// Puts entries made by the caller (folded again) in place of the ones cached.
    @discardableResult
    func store(_ cached: [CachedMessage], uidValidity: UInt32) -> [CachedMessage] {
        guard limit > 0, !cached.isEmpty else { return cached }
        generations.withLock { g in
            for entry in cached {
                let key = Key(mailbox: entry.message.mailboxID, uidValidity: uidValidity, uid: entry.message.uid)
                Self.add(entry, for: key, to: &g, limit: limit)
            }
        }
        return cached
    }

    var count: Int { generations.withLock { $0.current.count + $0.previous.count } }

    private static func add(_ message: CachedMessage, for key: Key, to g: inout Generations, limit: Int) {
        guard limit > 0 else { return }
        if g.current.count >= limit {
            g.previous = g.current
            g.current = [:]
        }
        g.current[key] = message
    }
}

extension StoredMessage {
    /// This message with the flags and mod-sequence the session's view holds for it.
    func with(flags: MessageFlags, modSeq: UInt64) -> StoredMessage {
        StoredMessage(mailboxID: mailboxID, uid: uid, modSeq: modSeq, flags: flags, internalDate: internalDate, size: size,
                      body: body, summary: summary, savedDate: savedDate)
    }
}
