import Foundation
import GRDB
import MailStore

extension SQLiteMailStore {
    /// RFC 6851 §3.3: each message is either moved or unaffected, never in both mailboxes. The
    /// originals are expunged before the copies are inserted, in the same transaction, so a move
    /// within one account needs no quota headroom and a refused copy leaves everything as it was.
    public func move(uids: [UInt32], from source: MailboxID, to target: MailboxID, claimingRecent: Bool) async throws -> CopyOutcome {
        let (pairs, expungeModSeq, sourceModSeq, appended, recentFrom) = try await batchedWrite {
            db -> ([(UInt32, UInt32)], UInt64, UInt64?, [MailboxChange], UInt32?) in
            guard let accountID = try Int64.fetchOne(db, sql: "SELECT account_id FROM mailboxes WHERE id = ?", arguments: [source.rawValue]) else {
                throw MailStoreError.mailboxNotFound("id \(source)")
            }
            var originals: [StoredMessage] = []
            for uid in uids {
                if let row = try Row.fetchOne(db, sql: "SELECT \(Rows.messageColumns) FROM messages WHERE mailbox_id = ? AND uid = ?",
                                              arguments: [source.rawValue, Int64(uid)]) {
                    originals.append(Rows.message(row))
                }
            }
            guard !originals.isEmpty else { return ([], 0, nil, [], nil) }
            let modSeq = try Self.highestModSeq(source, db) + 1
            for message in originals {
                try db.execute(sql: "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?", arguments: [source.rawValue, Int64(message.uid)])
                try db.execute(sql: "INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)",
                               arguments: [source.rawValue, Int64(message.uid), Int64(modSeq)])
            }
            try db.execute(sql: "UPDATE mailboxes SET highest_modseq = ? WHERE id = ?", arguments: [Int64(modSeq), source.rawValue])
            try db.execute(sql: "UPDATE accounts SET used_bytes = used_bytes - ?, used_messages = used_messages - ? WHERE id = ?",
                           arguments: [originals.reduce(0) { $0 + $1.size }, originals.count, accountID])
            var pairs: [(UInt32, UInt32)] = []
            var appended: [MailboxChange] = []
            for message in originals {
                let pending = PendingAppend(
                    body: message.body, size: message.size, summary: message.summary, flags: message.flags,
                    internalDate: message.internalDate, targets: [target])
                let result = try Self.insertMessage(pending, into: target, db)
                pairs.append((message.uid, result.uid))
                appended.append(.appended(uid: result.uid, modSeq: result.modSeq, flags: message.flags))
            }
            let recentFrom = claimingRecent ? try Self.claimRecent(in: target, through: pairs.map(\.1).max(), db) : nil
            return (pairs, modSeq, try Self.highestModSeq(source, db), appended, recentFrom)
        }
        guard !pairs.isEmpty else { return CopyOutcome(pairs: []) }
        feed.publish([.expunged(uids: pairs.map(\.0), modSeq: expungeModSeq)], in: source)
        feed.publish(appended, in: target)
        return CopyOutcome(pairs: pairs, sourceModSeq: sourceModSeq, recentFrom: recentFrom)
    }
}
