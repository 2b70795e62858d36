import Foundation
import GRDB
import MailStore

extension SQLiteMailStore {
    public func append(_ request: AppendRequest, to mailbox: MailboxID) async throws -> AppendResult {
        try await deliver(request, to: [mailbox])[0].get()
    }

    public func deliver(_ request: AppendRequest, to mailboxes: [MailboxID]) async throws -> [Result<AppendResult, MailStoreError>] {
        guard !mailboxes.isEmpty else { return [] }
        if let limit = maxMessageSize, request.bytes.count > limit {
            throw MailStoreError.messageTooLarge(request.bytes.count, limit: limit)
        }
        let bodies = self.bodies
        let summarizer = self.summarizer
        // A small body goes into the database in the same transaction as its rows (`InlineBodies`).
        let inline = request.bytes.count <= inlineBodyLimit
        let reference: BodyReference, summary: Data?
        if inline {
            // Nothing to write before the commit: the summary (parsing, CPU only) is made on the
            // caller's thread, without a hop to a blocking-I/O thread and back.
            (reference, summary) = (InlineBodies.newReference(), request.summary ?? summarizer?(request.bytes))
        } else {
            (reference, summary) = try await BlockingIO.run { (try bodies.store(request.bytes), request.summary ?? summarizer?(request.bytes)) }
        }
        let pending = PendingAppend(
            body: reference, size: Int64(request.bytes.count), summary: summary, flags: request.flags,
            internalDate: request.internalDate, targets: mailboxes, claimsRecent: request.claimsRecent,
            inlineBytes: inline ? request.bytes : nil)
        let outcome = await commit(pending)
        if !inline, !outcome.contains(where: { (try? $0.get()) != nil }) { bodies.remove(reference) }
        for case .success(let result) in outcome {
            stateCache.apply(.appended(MessageState(uid: result.uid, modSeq: result.modSeq, flags: request.flags)),
                             to: result.mailboxID, from: result.modSeq - 1, to: result.modSeq)
            feed.publish([.appended(uid: result.uid, modSeq: result.modSeq, flags: request.flags)], in: result.mailboxID)
        }
        return outcome
    }

    /// Makes an append durable in the next group commit (`WriteBatcher`: its body directory
    /// fsynced, then its rows in the shared transaction), each target in its own savepoint, so
    /// one full quota fails only that target.
    func commit(_ pending: PendingAppend) async -> AppendOutcome {
        do {
            return try await batchedWrite(bodies: pending.inlineBytes == nil ? [pending.body] : []) { db in
                if let bytes = pending.inlineBytes { try InlineBodies.insert(pending.body, bytes, db) }
                let outcome = try pending.targets.map { target -> Result<AppendResult, MailStoreError> in
                    switch try db.inCachedSavepoint({ try Self.insertMessage(pending, into: target, db) }) {
                    case .success(let result): return .success(result)
                    case .failure(let error as MailStoreError): return .failure(error)
                    case .failure(let error): throw error  // not a refusal of this target: the whole append fails
                    }
                }
                // Every target refused (quota): the body goes with this transaction too.
                if pending.inlineBytes != nil, !outcome.contains(where: { (try? $0.get()) != nil }) {
                    try InlineBodies.deleteUnreferenced([pending.body.path], db)
                }
                return outcome
            }
        } catch {
            logger.error("append failed", metadata: ["error": "\(error)"])
            let failure = (error as? MailStoreError) ?? .io("\(error)")
            return pending.targets.map { _ in .failure(failure) }
        }
    }

    static func insertMessage(_ pending: PendingAppend, into target: MailboxID, _ db: Database) throws -> AppendResult {
        // Cached statements: every delivery runs these four, and compiling them each time (SQLite's
        // parser, GRDB's authorizer) was a visible share of a message's CPU (docs/PERFORMANCE.md).
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT m.uid_validity, m.uid_next, m.highest_modseq, m.first_recent_uid, m.name, a.id AS account_id, a.address,
                   a.quota_bytes, a.quota_messages, a.used_bytes, a.used_messages
            FROM mailboxes m JOIN accounts a ON a.id = m.account_id WHERE m.id = ?
            """), arguments: [target.rawValue])
        else { throw MailStoreError.mailboxNotFound("id \(target)") }
        try checkQuota(row, addingBytes: pending.size, messages: 1)
        let uid = row["uid_next"] as Int64
        let modSeq = (row["highest_modseq"] as Int64) + 1
        try db.cachedStatement(
            sql: """
                INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, size, body_path, summary, saved_date)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(
            arguments: [target.rawValue, uid, modSeq, pending.flags.system.rawValue, pending.flags.keywords.joined(separator: " "),
                        pending.internalDate.timeIntervalSince1970, pending.size, pending.body.path, pending.summary,
                        // RFC 8514 §3: every way in (delivery, APPEND, COPY, MOVE) saves the message now.
                        Date().timeIntervalSince1970])
        try db.cachedStatement(sql: "UPDATE mailboxes SET uid_next = ?, highest_modseq = ? WHERE id = ?")
            .execute(arguments: [uid + 1, modSeq, target.rawValue])
        // RFC 3501 §2.3.2: the appending session claims \Recent before the feed tells anyone.
        var recentFrom: UInt32? = nil
        if pending.claimsRecent {
            let first = row["first_recent_uid"] as Int64
            recentFrom = UInt32(truncatingIfNeeded: first)
            if first <= uid {
                try db.cachedExecute("UPDATE mailboxes SET first_recent_uid = ? WHERE id = ?", [uid + 1, target.rawValue])
            }
        }
        try db.cachedStatement(sql: "UPDATE accounts SET used_bytes = used_bytes + ?, used_messages = used_messages + 1 WHERE id = ?")
            .execute(arguments: [pending.size, row["account_id"] as Int64])
        return AppendResult(
            mailboxID: target, uidValidity: UInt32(truncatingIfNeeded: row["uid_validity"] as Int64),
            uid: UInt32(truncatingIfNeeded: uid), modSeq: UInt64(modSeq), recentFrom: recentFrom)
    }

    /// Quota check against the account row joined in `row` (RFC 9208 §5: the whole append fails).
    static func checkQuota(_ row: Row, addingBytes bytes: Int64, messages: Int64) throws {
        let address: String = row["address"]
        if let maxBytes = row["quota_bytes"] as Int64?, (row["used_bytes"] as Int64) + bytes > maxBytes {
            throw MailStoreError.quotaExceeded(
                "\(address) would use \((row["used_bytes"] as Int64) + bytes) of \(maxBytes) bytes")
        }
        if let maxMessages = row["quota_messages"] as Int64?, (row["used_messages"] as Int64) + messages > maxMessages {
            throw MailStoreError.quotaExceeded(
                "\(address) would hold \((row["used_messages"] as Int64) + messages) of \(maxMessages) messages")
        }
    }
}
