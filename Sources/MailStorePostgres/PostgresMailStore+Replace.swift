import Foundation
import MailStore
import PostgresNIO

extension PostgresMailStore {
    /// RFC 8508 §3.4, as the SQLite store does it: one transaction expunges `uid` from `source`
    /// and inserts the new message into `target`, so the quota sees only the net change and a
    /// refusal (quota, the message already gone) changes nothing.
    public func replace(uid: UInt32, in source: MailboxID, with request: AppendRequest, to target: MailboxID) async throws -> ReplaceResult {
        if let limit = maxMessageSize, request.bytes.count > limit {
            throw MailStoreError.messageTooLarge(request.bytes.count, limit: limit)
        }
        let summary = request.summary ?? summarizer?(request.bytes)
        let blobs = self.blobs
        let (appended, modSeq, oldKey) = try await transaction { db -> (AppendResult, UInt64, String) in
            let body = try await blobs.put(request.bytes, on: db)
            try await Self.lock(source == target ? [source] : [source, target], db)
            guard let old = try await db.all("""
                DELETE FROM messages WHERE mailbox_id = \(source.rawValue) AND uid = \(Int64(uid)) RETURNING size, body_key
                """).first else { throw MailStoreError.messageNotFound(uid) }
            let (size, key) = try old.decode((Int64, String).self)
            // The expunge first, as MOVE does: the replaced message's octets are free for the quota.
            let modSeq = try await Self.highestModSeq(source, db) + 1
            try await Self.recordExpunged([Int64(uid)], mailbox: source, modSeq: Int64(modSeq), bytes: size, db)
            let pending = PGPendingAppend(body: body, size: Int64(request.bytes.count), summary: summary, flags: request.flags,
                                          internalDate: request.internalDate, claimsRecent: request.claimsRecent)
            let appended = try await Self.insertMessage(pending, into: target, db)
            let added = MailboxChange.appended(uid: appended.uid, modSeq: appended.modSeq, flags: request.flags)
            let removed = MailboxChange.expunged(uids: [uid], modSeq: modSeq)
            if source == target {
                try await Self.announce([added, removed], in: source, db)
            } else {
                try await Self.announce([added], in: target, db)
                try await Self.announce([removed], in: source, db)
            }
            return (appended, modSeq, key)
        }
        await removeUnreferenced([oldKey])
        return ReplaceResult(appended: appended, expungeModSeq: modSeq)
    }
}
