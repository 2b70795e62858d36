import Foundation
import MailCore
import MailStore
import PostgresNIO

/// The risk assessment's correspondents and quarantine (issue 18), and greylisting's memory.
extension PostgresMailStore {
    public func recordCorrespondence(_ exchanges: [Correspondence], at date: Date) async throws {
        guard !exchanges.isEmpty else { return }
        let time = date.timeIntervalSince1970
        try await transaction { db in
            for exchange in exchanges {
                let sent: Int64 = exchange.direction == .sent ? 1 : 0
                let received: Int64 = exchange.direction == .received ? 1 : 0
                let own = exchange.direction == .own
                try await db.run("""
                    INSERT INTO correspondents AS c (account_id, address, display_name, sent, received, own, first_seen, last_seen)
                    VALUES (\(exchange.account.rawValue), \(exchange.address.canonical), \(exchange.displayName), \(sent), \(received),
                            \(own), \(time), \(time))
                    ON CONFLICT (account_id, address) DO UPDATE SET
                        display_name = COALESCE(EXCLUDED.display_name, c.display_name),
                        sent = c.sent + EXCLUDED.sent, received = c.received + EXCLUDED.received,
                        own = c.own OR EXCLUDED.own, last_seen = GREATEST(c.last_seen, EXCLUDED.last_seen)
                    """)
            }
        }
    }

    static let correspondentColumns = "account_id, address, display_name, sent, received, first_seen, last_seen"

    public func correspondents(of account: AccountID, limit: Int) async throws -> [Correspondent] {
        try await read { db in
            try await db.all("""
                SELECT \(unescaped: Self.correspondentColumns) FROM correspondents WHERE account_id = \(account.rawValue) AND NOT own
                ORDER BY sent + received DESC, last_seen DESC LIMIT \(max(0, limit))
                """).compactMap(Self.correspondent)
        }
    }

    public func ownNames(limit: Int) async throws -> [Correspondent] {
        try await read { db in
            try await db.all("""
                SELECT \(unescaped: Self.correspondentColumns) FROM correspondents WHERE own AND display_name IS NOT NULL
                ORDER BY account_id LIMIT \(max(0, limit))
                """).compactMap(Self.correspondent)
        }
    }

    static func correspondent(_ row: PostgresRow) throws -> Correspondent? {
        let (account, address, name, sent, received, first, last) = try row.decode((Int64, String, String?, Int, Int, Double, Double).self)
        guard let parsed = try? EmailAddress(address) else { return nil }
        return Correspondent(account: AccountID(account), address: parsed, displayName: name, sent: sent, received: received,
                             firstSeen: Date(timeIntervalSince1970: first), lastSeen: Date(timeIntervalSince1970: last))
    }

    public func quarantine(_ request: QuarantineRequest) async throws -> QuarantinedMessage {
        guard !request.recipients.isEmpty else { throw MailStoreError.noRecipients }
        let recipients = try SQL.json(request.recipients.map(\.description))
        let now = Date().timeIntervalSince1970
        let blobs = self.blobs
        let (id, body) = try await transaction { db -> (Int64, BodyReference) in
            let body = try await blobs.put(request.bytes, on: db)
            guard let id = try await db.value("""
                INSERT INTO quarantine (mail_from, recipients, body_key, size, verdict, reason, subject, header_from, received_at)
                VALUES (\(request.mailFrom?.description), \(recipients), \(body.path), \(Int64(request.bytes.count)), \(request.verdict),
                        \(request.reason), \(request.subject), \(request.from), \(now))
                RETURNING id
                """, as: Int64.self) else { throw MailStoreError.io("quarantine insert returned nothing") }
            return (id, body)
        }
        return QuarantinedMessage(id: id, mailFrom: request.mailFrom, recipients: request.recipients,
                                  body: Self.reference("quarantine", id, key: body.path),
                                  size: Int64(request.bytes.count), verdict: request.verdict, reason: request.reason,
                                  subject: request.subject, from: request.from, receivedAt: Date(timeIntervalSince1970: now))
    }

    static let quarantineColumns = "id, mail_from, recipients, body_key, size, verdict, reason, subject, header_from, received_at"

    public func quarantinedMessages() async throws -> [QuarantinedMessage] {
        try await read { db in
            try await db.all("SELECT \(unescaped: Self.quarantineColumns) FROM quarantine ORDER BY id").compactMap(Self.quarantined)
        }
    }

    public func quarantinedMessage(_ id: Int64) async throws -> QuarantinedMessage? {
        try await read { db in
            try await db.all("SELECT \(unescaped: Self.quarantineColumns) FROM quarantine WHERE id = \(id)").first.flatMap(Self.quarantined)
        }
    }

    public func removeQuarantined(_ id: Int64) async throws {
        let key = try await transaction { db -> String in
            guard let key = try await db.value("DELETE FROM quarantine WHERE id = \(id) RETURNING body_key", as: String.self) else {
                throw MailStoreError.quarantinedMessageNotFound(id)
            }
            return key
        }
        await removeUnreferenced([key])
    }

    static func quarantined(_ row: PostgresRow) throws -> QuarantinedMessage? {
        let (id, mailFrom, recipientsJSON, body, size, verdict, reason, subject, from, received) =
            try row.decode((Int64, String?, String, String, Int64, String, String, String?, String?, Double).self)
        let recipients = (try? SQL.decode([String].self, recipientsJSON)) ?? []
        return QuarantinedMessage(
            id: id, mailFrom: mailFrom.flatMap { try? EmailAddress($0) }, recipients: recipients.compactMap { try? EmailAddress($0) },
            body: reference("quarantine", id, key: body), size: size, verdict: verdict, reason: reason, subject: subject, from: from,
            receivedAt: Date(timeIntervalSince1970: received))
    }

    // MARK: Greylisting (docs/security.md "Greylisting")

    public func greylistRecord(_ triplet: GreylistTriplet) async throws -> GreylistRecord? {
        try await read { db in
            try await db.all("""
                SELECT first_seen, last_seen, passed, attempts FROM greylist
                WHERE network = \(triplet.network) AND sender = \(triplet.sender) AND recipient = \(triplet.recipient)
                """).first.map { row in
                let (first, last, passed, attempts) = try row.decode((Double, Double, Bool, Int).self)
                return GreylistRecord(triplet: triplet, firstSeen: Date(timeIntervalSince1970: first),
                                      lastSeen: Date(timeIntervalSince1970: last), passed: passed, attempts: attempts)
            }
        }
    }

    public func saveGreylistRecord(_ record: GreylistRecord) async throws {
        try await transaction { db in
            try await db.run("""
                INSERT INTO greylist (network, sender, recipient, first_seen, last_seen, passed, attempts)
                VALUES (\(record.triplet.network), \(record.triplet.sender), \(record.triplet.recipient),
                        \(record.firstSeen.timeIntervalSince1970), \(record.lastSeen.timeIntervalSince1970), \(record.passed), \(record.attempts))
                ON CONFLICT (network, sender, recipient) DO UPDATE SET first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen,
                    passed = EXCLUDED.passed, attempts = EXCLUDED.attempts
                """)
        }
    }

    public func recordGreylistPass(domain: String, at date: Date) async throws {
        try await transaction { db in
            try await db.run("""
                INSERT INTO greylist_senders AS g (domain, passes, last_seen) VALUES (\(domain.lowercased()), 1, \(date.timeIntervalSince1970))
                ON CONFLICT (domain) DO UPDATE SET passes = g.passes + 1, last_seen = GREATEST(g.last_seen, EXCLUDED.last_seen)
                """)
        }
    }

    public func greylistPasses(domain: String, since: Date) async throws -> Int {
        try await read { db in
            try await db.value("""
                SELECT passes FROM greylist_senders WHERE domain = \(domain.lowercased()) AND last_seen >= \(since.timeIntervalSince1970)
                """, as: Int.self) ?? 0
        }
    }

    public func removeExpiredGreylistEntries(before: Date) async throws -> Int {
        let time = before.timeIntervalSince1970
        return try await transaction { db in
            let triplets = try await db.run("DELETE FROM greylist WHERE last_seen < \(time) RETURNING 1")
            let senders = try await db.run("DELETE FROM greylist_senders WHERE last_seen < \(time) RETURNING 1")
            return triplets + senders
        }
    }
}
