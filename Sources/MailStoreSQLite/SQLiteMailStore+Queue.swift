import Foundation
import GRDB
import MailCore
import MailStore

extension SQLiteMailStore {
    public func enqueue(_ message: OutboundMessage) async throws -> QueueMessageID {
        try await enqueue(message) { _ in true }!
    }

    /// Enqueues the message in the same transaction as `alongside`, which writes its own rows
    /// first and returns false to enqueue nothing (the DMARC report ledger: issue 22).
    func enqueue(_ message: OutboundMessage, alongside: @escaping @Sendable (Database) throws -> Bool) async throws -> QueueMessageID? {
        guard !message.recipients.isEmpty else { throw MailStoreError.noRecipients }
        if let limit = maxMessageSize, message.bytes.count > limit {
            throw MailStoreError.messageTooLarge(message.bytes.count, limit: limit)
        }
        let bodies = self.bodies
        let reference = try await BlockingIO.run {
            let reference = try bodies.store(message.bytes)
            try bodies.syncDirectories(of: [reference])
            return reference
        }
        do {
            defer { queueFeed.publish() }
            let id = try await pool.write { db -> QueueMessageID? in
                guard try alongside(db) else { return nil }
                try db.execute(
                    sql: """
                        INSERT INTO queue_messages (mail_from, body_path, size, envid, ret, smtputf8, body_type, created_at, tls_required)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [message.mailFrom?.description, reference.path, message.bytes.count, message.envelopeID,
                                message.returnContent, message.smtpUTF8, message.bodyType, Date().timeIntervalSince1970,
                                message.tlsRequirement == .policy ? nil : message.tlsRequirement.rawValue])
                let id = db.lastInsertedRowID
                for (position, recipient) in message.recipients.enumerated() {
                    try db.execute(
                        sql: """
                            INSERT INTO queue_recipients (message_id, position, address, orcpt, notify, state, attempts, next_attempt, last_reply)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [id, position, recipient.address.description, recipient.dsn.originalRecipient?.description, recipient.dsn.notify?.description,
                                    recipient.state.rawValue, recipient.attempts, recipient.nextAttempt.timeIntervalSince1970,
                                    recipient.lastReply])
                }
                return QueueMessageID(id)
            }
            if id == nil { bodies.remove(reference) }
            return id
        } catch {
            bodies.remove(reference)
            throw error
        }
    }

    public func queuedMessages() async throws -> [QueuedMessage] {
        try await reads.readInOneHop { db in
            try Row.fetchAll(db, sql: "SELECT * FROM queue_messages ORDER BY id").map { try Self.queuedMessage($0, db) }
        }
    }

    public func queuedMessage(_ id: QueueMessageID) async throws -> QueuedMessage? {
        try await reads.readInOneHop { db in
            try Row.fetchOne(db, sql: "SELECT * FROM queue_messages WHERE id = ?", arguments: [id.rawValue]).map { try Self.queuedMessage($0, db) }
        }
    }

    public func recordOutcome(_ outcome: DeliveryOutcome, message: QueueMessageID, recipient: EmailAddress) async throws {
        let removed = try await pool.write { db -> String? in
            let (state, reply, next): (QueuedRecipient.State, String, Date?) = switch outcome {
            case .delivered(let reply): (.delivered, reply, nil)
            case .deferred(let reply, let next): (.deferred, reply, next)
            case .failed(let reply): (.failed, reply, nil)
            }
            try db.execute(
                sql: """
                    UPDATE queue_recipients SET state = ?, last_reply = ?, attempts = attempts + 1,
                        next_attempt = COALESCE(?, next_attempt)
                    WHERE message_id = ? AND address = ? AND state IN ('queued', 'deferred')
                    """,
                arguments: [state.rawValue, reply, next?.timeIntervalSince1970, message.rawValue, recipient.description])
            guard db.changesCount > 0 else { throw MailStoreError.queueMessageNotFound(message.rawValue) }
            let open = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM queue_recipients WHERE message_id = ? AND state IN ('queued', 'deferred')",
                                        arguments: [message.rawValue]) ?? 0
            guard open == 0 else { return nil }
            let path = try String.fetchOne(db, sql: "SELECT body_path FROM queue_messages WHERE id = ?", arguments: [message.rawValue])
            try db.execute(sql: "DELETE FROM queue_messages WHERE id = ?", arguments: [message.rawValue])
            return path
        }
        if let removed { await removeUnreferenced([removed]) }
    }

    /// Nothing is leased on a SQLite store (one process delivers from it), so nothing to extend.
    public func renewLeases(_ recipients: [QueueRecipientKey], owner: String, lease: Duration, now: Date) async throws -> Int { 0 }

    /// One process delivers from a SQLite store, and its scheduler keeps its own in-flight set:
    /// nothing is leased; the recipients still open and due are returned.
    public func claim(_ recipients: [QueueRecipientKey], owner: String, lease: Duration, now: Date) async throws -> Set<QueueRecipientKey> {
        guard !recipients.isEmpty else { return [] }
        let open = try await reads.readInOneHop { db -> Set<String> in
            var open: Set<String> = []
            for id in Set(recipients.map(\.message.rawValue)) {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT address FROM queue_recipients WHERE message_id = ? AND state IN ('queued', 'deferred') AND next_attempt <= ?
                    """, arguments: [id, now.timeIntervalSince1970])
                for row in rows { open.insert("\(id) \(row[0] as String)") }
            }
            return open
        }
        return Set(recipients.filter { open.contains("\($0.message.rawValue) \($0.address.description)") })
    }

    public func retryNow(_ id: QueueMessageID) async throws {
        try await pool.write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM queue_messages WHERE id = ?", arguments: [id.rawValue]) != nil else {
                throw MailStoreError.queueMessageNotFound(id.rawValue)
            }
            try db.execute(sql: "UPDATE queue_recipients SET next_attempt = ? WHERE message_id = ? AND state IN ('queued', 'deferred')",
                           arguments: [Date().timeIntervalSince1970, id.rawValue])
        }
        queueFeed.publish()
    }

    public func retryAllNow() async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE queue_recipients SET next_attempt = ? WHERE state IN ('queued', 'deferred')",
                           arguments: [Date().timeIntervalSince1970])
        }
        queueFeed.publish()
    }

    public func queueActivity() -> AsyncStream<Void> { queueFeed.subscribe() }

    public func deleteQueued(_ id: QueueMessageID) async throws {
        let path = try await pool.write { db -> String in
            guard let path = try String.fetchOne(db, sql: "SELECT body_path FROM queue_messages WHERE id = ?", arguments: [id.rawValue]) else {
                throw MailStoreError.queueMessageNotFound(id.rawValue)
            }
            try db.execute(sql: "DELETE FROM queue_messages WHERE id = ?", arguments: [id.rawValue])
            return path
        }
        await removeUnreferenced([path])
    }

    static func queuedMessage(_ row: Row, _ db: Database) throws -> QueuedMessage {
        let id: Int64 = row["id"]
        let recipients = try Row.fetchAll(db, sql: "SELECT * FROM queue_recipients WHERE message_id = ? ORDER BY position", arguments: [id])
            .map { recipient in
                QueuedRecipient(
                    address: try EmailAddress(recipient["address"] as String),
                    dsn: Self.dsn(orcpt: recipient["orcpt"], notify: recipient["notify"]), state: QueuedRecipient.State(rawValue: recipient["state"]) ?? .queued,
                    attempts: recipient["attempts"], nextAttempt: Date(timeIntervalSince1970: recipient["next_attempt"]),
                    lastReply: recipient["last_reply"])
            }
        return QueuedMessage(
            id: QueueMessageID(id), mailFrom: try (row["mail_from"] as String?).map { try EmailAddress($0) }, recipients: recipients,
            body: BodyReference(path: row["body_path"]), size: row["size"], envelopeID: row["envid"], returnContent: row["ret"],
            smtpUTF8: row["smtputf8"], bodyType: row["body_type"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            tlsRequirement: (row["tls_required"] as String?).flatMap(TLSRequirement.init(rawValue:)) ?? .policy)
    }

    /// The DSN request from its stored columns: ORCPT as "type;address" (decoded), NOTIFY as its
    /// esmtp-value. A value this build cannot read is dropped rather than failing the whole queue
    /// entry: the recipient is then reported on the defaults (failure and delay).
    static func dsn(orcpt: String?, notify: String?) -> DSNRequest {
        DSNRequest(notify: notify.flatMap { DSNNotify(parameterValue: $0) },
                   originalRecipient: orcpt.flatMap { OriginalRecipient(stored: $0) })
    }
}
