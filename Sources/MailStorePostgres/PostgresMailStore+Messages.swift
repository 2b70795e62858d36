import Foundation
import MailStore
import PostgresNIO

extension PostgresMailStore {
    public func messages(in mailbox: MailboxID) async throws -> [StoredMessage] {
        try await read { db in
            try await db.all("SELECT \(unescaped: PGRows.messageColumns) FROM messages WHERE mailbox_id = \(mailbox.rawValue) ORDER BY uid")
                .map(PGRows.message)
        }
    }

    public func messageStates(in mailbox: MailboxID) async throws -> [MessageState] {
        try await read { db in try await Self.messageStates(mailbox, db) }
    }

    /// On one connection: the states, then the mailbox row as it is after them (the order
    /// SELECT read them in before, each on its own).
    public func selection(of mailbox: MailboxID) async throws -> MailboxSelection? {
        try await read { db in
            let states = try await Self.messageStates(mailbox, db)
            guard let row = try await db.all("""
                SELECT \(unescaped: PGRows.mailboxColumns), first_recent_uid FROM mailboxes WHERE id = \(mailbox.rawValue)
                """).first else { return nil }
            let (_, _, _, _, _, _, _, firstRecent) = try row.decode((Int64, Int64, String, String?, Int64, Int64, Int64, Int64).self)
            return MailboxSelection(mailbox: try PGRows.mailbox(row), messages: states,
                                    firstRecentUID: UInt32(truncatingIfNeeded: firstRecent))
        }
    }

    static func messageStates(_ mailbox: MailboxID, _ db: PostgresConnection) async throws -> [MessageState] {
        try await db.all("SELECT uid, modseq, flags, keywords FROM messages WHERE mailbox_id = \(mailbox.rawValue) ORDER BY uid")
            .map { row in
                let (uid, modSeq, flags, keywords) = try row.decode((Int64, Int64, Int, String).self)
                return MessageState(
                    uid: UInt32(truncatingIfNeeded: uid), modSeq: UInt64(modSeq),
                    flags: MessageFlags(system: SystemFlags(rawValue: flags),
                                        keywords: keywords.isEmpty ? [] : keywords.split(separator: " ").map(String.init)))
            }
    }

    public func message(in mailbox: MailboxID, uid: UInt32) async throws -> StoredMessage? {
        try await read { db in try await Self.message(mailbox, uid, db) }
    }

    static func message(_ mailbox: MailboxID, _ uid: UInt32, _ db: PostgresConnection) async throws -> StoredMessage? {
        try await db.all("""
            SELECT \(unescaped: PGRows.messageColumns) FROM messages WHERE mailbox_id = \(mailbox.rawValue) AND uid = \(Int64(uid))
            """).first.map(PGRows.message)
    }

    static func highestModSeq(_ mailbox: MailboxID, _ db: PostgresConnection) async throws -> UInt64 {
        guard let value = try await db.value("SELECT highest_modseq FROM mailboxes WHERE id = \(mailbox.rawValue)", as: Int64.self) else {
            throw MailStoreError.mailboxNotFound("id \(mailbox)")
        }
        return UInt64(value)
    }

    public func setFlags(
        in mailbox: MailboxID, uids: [UInt32], change: FlagChange, unchangedSince: UInt64?
    ) async throws -> (updated: [StoredMessage], failed: [UInt32]) {
        let (updated, failed, changed) = try await transaction { db -> ([StoredMessage], [UInt32], [StoredMessage]) in
            try await Self.lock([mailbox], db)
            var modSeq = try await Self.highestModSeq(mailbox, db)
            var updated: [StoredMessage] = [], failed: [UInt32] = [], changed: [StoredMessage] = []
            for uid in uids {
                guard let message = try await Self.message(mailbox, uid, db) else { continue }
                if let unchangedSince, message.modSeq > unchangedSince {
                    failed.append(uid)
                    continue
                }
                let flags = change.apply(to: message.flags)
                guard flags != message.flags else {
                    updated.append(message)
                    continue
                }
                modSeq += 1
                try await db.run("""
                    UPDATE messages SET flags = \(flags.system.rawValue), keywords = \(flags.keywords.joined(separator: " ")),
                        modseq = \(Int64(modSeq)) WHERE mailbox_id = \(mailbox.rawValue) AND uid = \(Int64(uid))
                    """)
                let new = StoredMessage(
                    mailboxID: mailbox, uid: uid, modSeq: modSeq, flags: flags, internalDate: message.internalDate,
                    size: message.size, body: message.body, summary: message.summary, savedDate: message.savedDate)
                updated.append(new)
                changed.append(new)
            }
            try await db.run("UPDATE mailboxes SET highest_modseq = \(Int64(modSeq)) WHERE id = \(mailbox.rawValue)")
            try await Self.announce(changed.map { .flagsChanged(uid: $0.uid, modSeq: $0.modSeq, flags: $0.flags) }, in: mailbox, db)
            return (updated, failed, changed)
        }
        return (updated, failed)
    }

    /// With `uids`, removes exactly those messages; without, every \Deleted one. One MODSEQ for
    /// the whole expunge, recorded per UID for QRESYNC (RFC 7162 §3.2.5.2).
    public func expunge(in mailbox: MailboxID, uids: [UInt32]?) async throws -> [UInt32] {
        let (removed, modSeq, keys) = try await transaction { db -> ([UInt32], UInt64, Set<String>) in
            try await Self.lock([mailbox], db)
            let modSeq = try await Self.highestModSeq(mailbox, db) + 1
            let rows: [PostgresRow]
            if let uids {
                let wanted = uids.map { Int64($0) }
                rows = try await db.all("""
                    DELETE FROM messages WHERE mailbox_id = \(mailbox.rawValue) AND uid = ANY(\(wanted)) RETURNING uid, size, body_key
                    """)
            } else {
                rows = try await db.all("""
                    DELETE FROM messages WHERE mailbox_id = \(mailbox.rawValue) AND (flags & 8) <> 0 RETURNING uid, size, body_key
                    """)
            }
            guard !rows.isEmpty else { return ([], 0, []) }
            let removed = try rows.map { try $0.decode((Int64, Int64, String).self) }.sorted { $0.0 < $1.0 }
            try await Self.recordExpunged(removed.map(\.0), mailbox: mailbox, modSeq: Int64(modSeq), bytes: removed.reduce(0) { $0 + $1.1 }, db)
            try await Self.announce([.expunged(uids: removed.map { UInt32(truncatingIfNeeded: $0.0) }, modSeq: modSeq)], in: mailbox, db)
            return (removed.map { UInt32(truncatingIfNeeded: $0.0) }, modSeq, Set(removed.map(\.2)))
        }
        guard !removed.isEmpty else { return [] }
        await removeUnreferenced(keys)
        return removed
    }

    /// The expunged UIDs' history row, the mailbox's new HIGHESTMODSEQ and the account's usage.
    static func recordExpunged(_ uids: [Int64], mailbox: MailboxID, modSeq: Int64, bytes: Int64, _ db: PostgresConnection) async throws {
        try await db.run("""
            INSERT INTO expunged (mailbox_id, uid, modseq) SELECT \(mailbox.rawValue), u, \(modSeq) FROM unnest(\(uids)::bigint[]) AS u
            ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq
            """)
        try await db.run("UPDATE mailboxes SET highest_modseq = \(modSeq) WHERE id = \(mailbox.rawValue)")
        try await db.run("""
            UPDATE accounts SET used_bytes = used_bytes - \(bytes), used_messages = used_messages - \(Int64(uids.count))
            WHERE id = (SELECT account_id FROM mailboxes WHERE id = \(mailbox.rawValue))
            """)
    }

    public func expungedUIDs(in mailbox: MailboxID, since modSeq: UInt64) async throws -> [UInt32] {
        try await read { db in
            try await db.all("""
                SELECT uid FROM expunged WHERE mailbox_id = \(mailbox.rawValue) AND modseq > \(Int64(clamping: modSeq)) ORDER BY uid
                """).map { UInt32(truncatingIfNeeded: try $0.decode(Int64.self)) }
        }
    }

    public func copy(uids: [UInt32], from source: MailboxID, to target: MailboxID, claimingRecent: Bool) async throws -> CopyOutcome {
        let (pairs, recentFrom) = try await transaction { db -> ([PGPair], UInt32?) in
            try await Self.lock([target], db)
            var pairs: [PGPair] = []
            var appended: [MailboxChange] = []
            for uid in uids {
                guard let message = try await Self.message(source, uid, db) else { continue }
                let pending = PGPendingAppend(body: message.body, size: message.size, summary: message.summary, flags: message.flags,
                                              internalDate: message.internalDate)
                let result = try await Self.insertMessage(pending, into: target, db)
                pairs.append(PGPair(source: uid, target: result.uid))
                appended.append(.appended(uid: result.uid, modSeq: result.modSeq, flags: message.flags))
            }
            let recentFrom = claimingRecent ? try await Self.claimRecent(in: target, through: pairs.map(\.target).max(), db) : nil
            try await Self.announce(appended, in: target, db)
            return (pairs, recentFrom)
        }
        return CopyOutcome(pairs: pairs.map { ($0.source, $0.target) }, recentFrom: recentFrom)
    }

    /// RFC 6851 §3.3: each message is either moved or unaffected, never in both mailboxes. The
    /// originals are expunged before the copies are inserted, in the same transaction, so a move
    /// within one account needs no quota headroom and a refused copy leaves everything as it was.
    public func move(uids: [UInt32], from source: MailboxID, to target: MailboxID, claimingRecent: Bool) async throws -> CopyOutcome {
        let (pairs, after, recentFrom) = try await transaction { db -> ([PGPair], UInt64, UInt32?) in
            try await Self.lock([source, target], db)
            guard try await db.exists("SELECT 1 FROM mailboxes WHERE id = \(source.rawValue)") else {
                throw MailStoreError.mailboxNotFound("id \(source)")
            }
            var originals: [StoredMessage] = []
            for uid in uids { if let message = try await Self.message(source, uid, db) { originals.append(message) } }
            guard !originals.isEmpty else { return ([], 0, nil) }
            let modSeq = Int64(try await Self.highestModSeq(source, db) + 1)
            let moved = originals.map { Int64($0.uid) }
            try await db.run("DELETE FROM messages WHERE mailbox_id = \(source.rawValue) AND uid = ANY(\(moved))")
            try await Self.recordExpunged(moved, mailbox: source, modSeq: modSeq, bytes: originals.reduce(0) { $0 + $1.size }, db)
            var pairs: [PGPair] = []
            var appended: [MailboxChange] = []
            for message in originals {
                let pending = PGPendingAppend(body: message.body, size: message.size, summary: message.summary, flags: message.flags,
                                              internalDate: message.internalDate)
                let result = try await Self.insertMessage(pending, into: target, db)
                pairs.append(PGPair(source: message.uid, target: result.uid))
                appended.append(.appended(uid: result.uid, modSeq: result.modSeq, flags: message.flags))
            }
            try await Self.announce([.expunged(uids: pairs.map(\.source), modSeq: UInt64(modSeq))], in: source, db)
            let recentFrom = claimingRecent ? try await Self.claimRecent(in: target, through: pairs.map(\.target).max(), db) : nil
            try await Self.announce(appended, in: target, db)
            return (pairs, try await Self.highestModSeq(source, db), recentFrom)
        }
        guard !pairs.isEmpty else { return CopyOutcome(pairs: []) }
        return CopyOutcome(pairs: pairs.map { ($0.source, $0.target) }, sourceModSeq: after, recentFrom: recentFrom)
    }
}

struct PGPair: Sendable {
    var source: UInt32
    var target: UInt32
}
