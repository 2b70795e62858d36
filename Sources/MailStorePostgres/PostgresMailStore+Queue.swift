import Foundation
import MailCore
import MailStore
import PostgresNIO

extension PostgresMailStore {
    public func enqueue(_ message: OutboundMessage) async throws -> QueueMessageID {
        guard let id = try await enqueue(message, alongside: { _ in true }) else { throw MailStoreError.io("enqueue wrote nothing") }
        return id
    }

    /// Enqueues the message in the same transaction as `alongside`, which writes its own rows
    /// first and returns false to enqueue nothing (the DMARC report ledger: issue 22).
    func enqueue(_ message: OutboundMessage, alongside: @escaping @Sendable (PostgresConnection) async throws -> Bool) async throws -> QueueMessageID? {
        guard !message.recipients.isEmpty else { throw MailStoreError.noRecipients }
        if let limit = maxMessageSize, message.bytes.count > limit {
            throw MailStoreError.messageTooLarge(message.bytes.count, limit: limit)
        }
        let blobs = self.blobs
        defer { queueFeed.publish() }
        return try await transaction { db -> QueueMessageID? in
            guard try await alongside(db) else { return nil }
            let body = try await blobs.put(message.bytes, on: db)
            guard let id = try await db.value("""
                INSERT INTO queue_messages (mail_from, body_key, size, envid, ret, smtputf8, body_type, created_at, tls_required)
                VALUES (\(message.mailFrom?.description), \(body.path), \(Int64(message.bytes.count)), \(message.envelopeID),
                        \(message.returnContent), \(message.smtpUTF8), \(message.bodyType), \(Date().timeIntervalSince1970),
                        \(message.tlsRequirement == .policy ? nil : message.tlsRequirement.rawValue))
                RETURNING id
                """, as: Int64.self) else { throw MailStoreError.io("queue insert returned nothing") }
            for (position, recipient) in message.recipients.enumerated() {
                try await db.run("""
                    INSERT INTO queue_recipients (message_id, position, address, orcpt, notify, state, attempts, next_attempt, last_reply)
                    VALUES (\(id), \(position), \(recipient.address.description), \(recipient.dsn.originalRecipient?.description),
                            \(recipient.dsn.notify?.description), \(recipient.state.rawValue), \(recipient.attempts),
                            \(recipient.nextAttempt.timeIntervalSince1970), \(recipient.lastReply))
                    """)
            }
            try await Self.announceQueueWork(db)
            return QueueMessageID(id)
        }
    }

    static let queueColumns = "id, mail_from, body_key, size, envid, ret, smtputf8, body_type, created_at, tls_required"

    public func queuedMessages() async throws -> [QueuedMessage] {
        try await read { db in
            var messages: [QueuedMessage] = []
            for row in try await db.all("SELECT \(unescaped: Self.queueColumns) FROM queue_messages ORDER BY id") {
                messages.append(try await Self.queuedMessage(row, db))
            }
            return messages
        }
    }

    public func queuedMessage(_ id: QueueMessageID) async throws -> QueuedMessage? {
        try await read { db in
            guard let row = try await db.all("SELECT \(unescaped: Self.queueColumns) FROM queue_messages WHERE id = \(id.rawValue)").first else {
                return nil
            }
            return try await Self.queuedMessage(row, db)
        }
    }

    public func recordOutcome(_ outcome: DeliveryOutcome, message: QueueMessageID, recipient: EmailAddress) async throws {
        let (state, reply, next): (QueuedRecipient.State, String, Double?) = switch outcome {
        case .delivered(let reply): (.delivered, reply, nil)
        case .deferred(let reply, let next): (.deferred, reply, next.timeIntervalSince1970)
        case .failed(let reply): (.failed, reply, nil)
        }
        let removed = try await transaction { db -> String? in
            let changed = try await db.run("""
                UPDATE queue_recipients SET state = \(state.rawValue), last_reply = \(reply), attempts = attempts + 1,
                    next_attempt = COALESCE(\(next), next_attempt), lease_owner = NULL, lease_until = NULL
                WHERE message_id = \(message.rawValue) AND address = \(recipient.description) AND state IN ('queued', 'deferred')
                RETURNING 1
                """)
            guard changed > 0 else { throw MailStoreError.queueMessageNotFound(message.rawValue) }
            let open = try await db.value("""
                SELECT count(*) FROM queue_recipients WHERE message_id = \(message.rawValue) AND state IN ('queued', 'deferred')
                """, as: Int.self) ?? 0
            guard open == 0 else { return nil }
            return try await db.value("DELETE FROM queue_messages WHERE id = \(message.rawValue) RETURNING body_key", as: String.self)
        }
        if let removed { await removeUnreferenced([removed]) }
    }

    /// `FOR UPDATE SKIP LOCKED`: a node claiming at the same moment skips the rows this one is
    /// taking instead of waiting for them, and then finds them leased.
    public func claim(_ recipients: [QueueRecipientKey], owner: String, lease: Duration, now: Date) async throws -> Set<QueueRecipientKey> {
        guard !recipients.isEmpty else { return [] }
        let ids = recipients.map(\.message.rawValue), addresses = recipients.map(\.address.description)
        let time = now.timeIntervalSince1970
        let until = time + Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18
        let rows = try await transaction { db in
            try await db.all("""
                UPDATE queue_recipients r SET lease_owner = \(owner), lease_until = \(until)
                FROM (SELECT q.message_id, q.position FROM queue_recipients q
                      JOIN unnest(\(ids)::bigint[], \(addresses)::text[]) AS w(message_id, address)
                        ON q.message_id = w.message_id AND q.address = w.address
                      WHERE q.state IN ('queued', 'deferred') AND q.next_attempt <= \(time)
                        AND (q.lease_until IS NULL OR q.lease_until <= \(time) OR q.lease_owner = \(owner))
                      FOR UPDATE OF q SKIP LOCKED) c
                WHERE r.message_id = c.message_id AND r.position = c.position
                RETURNING r.message_id, r.address
                """).map { try $0.decode((Int64, String).self) }
        }
        let got = Set(rows.map { "\($0.0) \($0.1)" })
        return Set(recipients.filter { got.contains("\($0.message.rawValue) \($0.address.description)") })
    }

    public func renewLeases(_ recipients: [QueueRecipientKey], owner: String, lease: Duration, now: Date) async throws -> Int {
        guard !recipients.isEmpty else { return 0 }
        let ids = recipients.map(\.message.rawValue), addresses = recipients.map(\.address.description)
        let until = now.timeIntervalSince1970 + lease.storeSeconds
        return try await transaction { db in
            try await db.run("""
                UPDATE queue_recipients r SET lease_until = \(until)
                FROM unnest(\(ids)::bigint[], \(addresses)::text[]) AS w(message_id, address)
                WHERE r.message_id = w.message_id AND r.address = w.address AND r.lease_owner = \(owner)
                  AND r.state IN ('queued', 'deferred')
                RETURNING 1
                """)
        }
    }

    public func retryNow(_ id: QueueMessageID) async throws {
        try await transaction { db in
            guard try await db.exists("SELECT 1 FROM queue_messages WHERE id = \(id.rawValue)") else {
                throw MailStoreError.queueMessageNotFound(id.rawValue)
            }
            try await db.run("""
                UPDATE queue_recipients SET next_attempt = \(Date().timeIntervalSince1970)
                WHERE message_id = \(id.rawValue) AND state IN ('queued', 'deferred')
                """)
            try await Self.announceQueueWork(db)
        }
        queueFeed.publish()
    }

    public func retryAllNow() async throws {
        try await transaction { db in
            try await db.run("UPDATE queue_recipients SET next_attempt = \(Date().timeIntervalSince1970) WHERE state IN ('queued', 'deferred')")
            try await Self.announceQueueWork(db)
        }
        queueFeed.publish()
    }

    public func queueActivity() -> AsyncStream<Void> { queueFeed.subscribe() }

    public func deleteQueued(_ id: QueueMessageID) async throws {
        let key = try await transaction { db -> String in
            guard let key = try await db.value("DELETE FROM queue_messages WHERE id = \(id.rawValue) RETURNING body_key", as: String.self) else {
                throw MailStoreError.queueMessageNotFound(id.rawValue)
            }
            return key
        }
        await removeUnreferenced([key])
    }

    static func queuedMessage(_ row: PostgresRow, _ db: PostgresConnection) async throws -> QueuedMessage {
        let (id, mailFrom, body, size, envid, ret, smtpUTF8, bodyType, created, tlsRequired) =
            try row.decode((Int64, String?, String, Int64, String?, String?, Bool, String?, Double, String?).self)
        let recipients = try await db.all("""
            SELECT address, orcpt, notify, state, attempts, next_attempt, last_reply FROM queue_recipients
            WHERE message_id = \(id) ORDER BY position
            """).map { row in
            let (address, orcpt, notify, state, attempts, next, reply) = try row.decode((String, String?, String?, String, Int, Double, String?).self)
            return QueuedRecipient(
                address: try EmailAddress(address),
                dsn: DSNRequest(notify: notify.flatMap { DSNNotify(parameterValue: $0) }, originalRecipient: orcpt.flatMap { OriginalRecipient(stored: $0) }),
                state: QueuedRecipient.State(rawValue: state) ?? .queued, attempts: attempts, nextAttempt: Date(timeIntervalSince1970: next),
                lastReply: reply)
        }
        return QueuedMessage(
            id: QueueMessageID(id), mailFrom: try mailFrom.map { try EmailAddress($0) }, recipients: recipients,
            body: Self.reference("queue", id, key: body), size: size, envelopeID: envid, returnContent: ret, smtpUTF8: smtpUTF8, bodyType: bodyType,
            createdAt: Date(timeIntervalSince1970: created), tlsRequirement: tlsRequired.flatMap(TLSRequirement.init(rawValue:)) ?? .policy)
    }
}
