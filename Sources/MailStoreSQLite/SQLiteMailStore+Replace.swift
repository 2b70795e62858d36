import Foundation
import GRDB
import MailStore

extension SQLiteMailStore {
    /// RFC 8508 §3.4: the append and the expunge "appear to the client as a single action". The
    /// new body is written and fsynced first; then one transaction removes the old message and
    /// inserts the new one, so the quota sees only the net change and a refusal changes nothing.
    public func replace(uid: UInt32, in source: MailboxID, with request: AppendRequest, to target: MailboxID) async throws -> ReplaceResult {
        if let limit = maxMessageSize, request.bytes.count > limit {
            throw MailStoreError.messageTooLarge(request.bytes.count, limit: limit)
        }
        let bodies = self.bodies
        let summarizer = self.summarizer
        let (reference, summary) = try await BlockingIO.run {
            let reference = try bodies.store(request.bytes)
            try bodies.syncDirectories(of: [reference])
            return (reference, request.summary ?? summarizer?(request.bytes))
        }
        let pending = PendingAppend(
            body: reference, size: Int64(request.bytes.count), summary: summary, flags: request.flags,
            internalDate: request.internalDate, targets: [target], claimsRecent: request.claimsRecent)
        let outcome: (AppendResult, UInt64, String)
        do {
            outcome = try await pool.write { db -> (AppendResult, UInt64, String) in
                guard let accountID = try Int64.fetchOne(db, sql: "SELECT account_id FROM mailboxes WHERE id = ?", arguments: [source.rawValue]) else {
                    throw MailStoreError.mailboxNotFound("id \(source)")
                }
                guard let old = try Row.fetchOne(db, sql: "SELECT size, body_path FROM messages WHERE mailbox_id = ? AND uid = ?",
                                                 arguments: [source.rawValue, Int64(uid)]) else {
                    throw MailStoreError.messageNotFound(uid)
                }
                // The expunge first, as MOVE does: the replaced message's octets are free for the quota.
                let modSeq = try Self.highestModSeq(source, db) + 1
                try db.execute(sql: "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?", arguments: [source.rawValue, Int64(uid)])
                try db.execute(sql: "INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)",
                               arguments: [source.rawValue, Int64(uid), Int64(modSeq)])
                try db.execute(sql: "UPDATE mailboxes SET highest_modseq = ? WHERE id = ?", arguments: [Int64(modSeq), source.rawValue])
                try db.execute(sql: "UPDATE accounts SET used_bytes = used_bytes - ?, used_messages = used_messages - 1 WHERE id = ?",
                               arguments: [old["size"] as Int64, accountID])
                let appended = try Self.insertMessage(pending, into: target, db)
                return (appended, modSeq, old["body_path"] as String)
            }
        } catch {
            bodies.remove(reference)
            throw error
        }
        let (appended, modSeq, oldPath) = outcome
        let added = MailboxChange.appended(uid: appended.uid, modSeq: appended.modSeq, flags: request.flags)
        let removed = MailboxChange.expunged(uids: [uid], modSeq: modSeq)
        if source == target {
            feed.publish([added, removed], in: source)
        } else {
            feed.publish([added], in: target)
            feed.publish([removed], in: source)
        }
        await removeUnreferenced([oldPath])
        return ReplaceResult(appended: appended, expungeModSeq: modSeq)
    }
}
