import Foundation
import MailStore
import NIOCore
import PostgresNIO

/// One message to insert into one mailbox whose row the transaction has locked.
struct PGPendingAppend: Sendable {
    let body: BodyReference
    let size: Int64
    let summary: Data?
    let flags: MessageFlags
    let internalDate: Date
    var claimsRecent = false
}

extension PostgresMailStore {
    public func append(_ request: AppendRequest, to mailbox: MailboxID) async throws -> AppendResult {
        try await deliver(request, to: [mailbox])[0].get()
    }

    /// The body, the rows and the counters commit in one transaction; each target is its own
    /// savepoint, so one full quota fails only that target (RFC 9208 §5).
    public func deliver(_ request: AppendRequest, to mailboxes: [MailboxID]) async throws -> [Result<AppendResult, MailStoreError>] {
        guard !mailboxes.isEmpty else { return [] }
        if let limit = maxMessageSize, request.bytes.count > limit {
            throw MailStoreError.messageTooLarge(request.bytes.count, limit: limit)
        }
        let summary = request.summary ?? summarizer?(request.bytes)
        let blobs = self.blobs
        let outcome = try await transaction { db -> [Result<AppendResult, MailStoreError>] in
            // The body first: writing it needs no mailbox lock, so the locks below are held only
            // for the few statements that allocate UIDs.
            let body = try await blobs.put(request.bytes, on: db)
            try await Self.lock(mailboxes, db)
            let pending = PGPendingAppend(body: body, size: Int64(request.bytes.count), summary: summary, flags: request.flags,
                                          internalDate: request.internalDate, claimsRecent: request.claimsRecent)
            var results: [Result<AppendResult, MailStoreError>] = []
            for (index, target) in mailboxes.enumerated() {
                try await db.run(PostgresQuery(unsafeSQL: "SAVEPOINT target_\(index)"))
                do {
                    results.append(.success(try await Self.insertMessage(pending, into: target, db)))
                    try await db.run(PostgresQuery(unsafeSQL: "RELEASE SAVEPOINT target_\(index)"))
                } catch let error as MailStoreError {
                    try await db.run(PostgresQuery(unsafeSQL: "ROLLBACK TO SAVEPOINT target_\(index)"))
                    results.append(.failure(error))
                }
            }
            for case .success(let result) in results {
                try await Self.announce([.appended(uid: result.uid, modSeq: result.modSeq, flags: request.flags)], in: result.mailboxID, db)
            }
            return results
        }
        if !outcome.contains(where: { (try? $0.get()) != nil }) {
            await removeUnreferenced([PostgresBlobStore.key(request.bytes)])
        }
        return outcome
    }

    /// Allocates the next UID and MODSEQ of a mailbox the caller has locked (`lock`) and inserts
    /// the message row; checks and counts the account's quota.
    static func insertMessage(_ pending: PGPendingAppend, into target: MailboxID, _ db: PostgresConnection) async throws -> AppendResult {
        guard let row = try await db.all("""
            SELECT m.uid_validity, m.uid_next, m.highest_modseq, m.first_recent_uid, a.id, a.address,
                   a.quota_bytes, a.quota_messages, a.used_bytes, a.used_messages
            FROM mailboxes m JOIN accounts a ON a.id = m.account_id WHERE m.id = \(target.rawValue)
            """).first else { throw MailStoreError.mailboxNotFound("id \(target)") }
        let (validity, uid, highest, firstRecent, accountID, address, quotaBytes, quotaMessages, usedBytes, usedMessages) =
            try row.decode((Int64, Int64, Int64, Int64, Int64, String, Int64?, Int64?, Int64, Int64).self)
        if let quotaBytes, usedBytes + pending.size > quotaBytes {
            throw MailStoreError.quotaExceeded("\(address) would use \(usedBytes + pending.size) of \(quotaBytes) bytes")
        }
        if let quotaMessages, usedMessages + 1 > quotaMessages {
            throw MailStoreError.quotaExceeded("\(address) would hold \(usedMessages + 1) of \(quotaMessages) messages")
        }
        let modSeq = highest + 1
        let keywords = pending.flags.keywords.joined(separator: " ")
        // RFC 8514 §3: every way in (delivery, APPEND, COPY, MOVE) saves the message now.
        let saved = Date().timeIntervalSince1970
        try await db.run("""
            INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, size, body_key, summary, saved_date)
            VALUES (\(target.rawValue), \(uid), \(modSeq), \(pending.flags.system.rawValue), \(keywords),
                    \(pending.internalDate.timeIntervalSince1970), \(pending.size), \(pending.body.path), \(SQL.buffer(pending.summary)), \(saved))
            """)
        // RFC 3501 §2.3.2: the appending session claims \Recent before the feed tells anyone.
        var recentFrom: UInt32? = nil
        var newFirstRecent = firstRecent
        if pending.claimsRecent {
            recentFrom = UInt32(truncatingIfNeeded: firstRecent)
            if firstRecent <= uid { newFirstRecent = uid + 1 }
        }
        try await db.run("""
            UPDATE mailboxes SET uid_next = \(uid + 1), highest_modseq = \(modSeq), first_recent_uid = \(newFirstRecent)
            WHERE id = \(target.rawValue)
            """)
        try await db.run("""
            UPDATE accounts SET used_bytes = used_bytes + \(pending.size), used_messages = used_messages + 1 WHERE id = \(accountID)
            """)
        return AppendResult(mailboxID: target, uidValidity: UInt32(truncatingIfNeeded: validity), uid: UInt32(truncatingIfNeeded: uid),
                            modSeq: UInt64(modSeq), recentFrom: recentFrom)
    }
}
