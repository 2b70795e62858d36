import Foundation
import GRDB
import MailCore
import MailStore

extension SQLiteMailStore {
    public func recordCorrespondence(_ exchanges: [Correspondence], at date: Date) async throws {
        guard !exchanges.isEmpty else { return }
        let time = date.timeIntervalSince1970
        try await pool.write { db in
            for exchange in exchanges {
                let sent = exchange.direction == .sent ? 1 : 0
                let received = exchange.direction == .received ? 1 : 0
                let own = exchange.direction == .own ? 1 : 0
                try db.execute(sql: """
                    INSERT INTO correspondents (account_id, address, display_name, sent, received, own, first_seen, last_seen)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (account_id, address) DO UPDATE SET
                        display_name = COALESCE(excluded.display_name, display_name),
                        sent = sent + excluded.sent, received = received + excluded.received,
                        own = MAX(own, excluded.own), last_seen = MAX(last_seen, excluded.last_seen)
                    """, arguments: [exchange.account.rawValue, exchange.address.canonical, exchange.displayName, sent, received, own, time, time])
            }
        }
    }

    public func correspondents(of account: AccountID, limit: Int) async throws -> [Correspondent] {
        // Rows are turned into values inside the closure: `Row` is not Sendable, and with a
        // non-Sendable result Swift picks GRDB's blocking `read`, which on a 2-core machine
        // deadlocked the cooperative pool under concurrent deliveries (scripts/bench-spool.sh).
        // Cached statements here and in `ownNames`: the risk stage reads both for every inbound
        // message, and compiling them each time cost more than running them (docs/PERFORMANCE.md).
        try await reads.unsafeReadInOneHop { db in  // one statement (see SQLiteMailStore.messageStates(in:))
            // A cursor: each row is read in place, not copied first.
            try Array(Row.fetchCursor(db.cachedStatement(sql: """
                SELECT \(Self.correspondentColumns) FROM correspondents WHERE account_id = ? AND own = 0
                ORDER BY sent + received DESC, last_seen DESC LIMIT ?
                """), arguments: [account.rawValue, max(0, limit)]).compactMap(Self.correspondent))
        }
    }

    public func ownNames(limit: Int) async throws -> [Correspondent] {
        try await reads.unsafeReadInOneHop { db in  // one statement (see SQLiteMailStore.messageStates(in:))
            try Array(Row.fetchCursor(db.cachedStatement(sql: """
                SELECT \(Self.correspondentColumns) FROM correspondents WHERE own = 1 AND display_name IS NOT NULL ORDER BY account_id LIMIT ?
                """), arguments: [max(0, limit)]).compactMap(Self.correspondent))
        }
    }

    /// The columns `correspondent(_:)` reads, by position: a name looked up in a row costs more
    /// than the value, and the risk stage reads up to thousands of these rows per message.
    static let correspondentColumns = "account_id, address, display_name, sent, received, first_seen, last_seen"

    static func correspondent(_ row: Row) -> Correspondent? {
        guard let address = try? EmailAddress(row[1] as String) else { return nil }
        return Correspondent(account: AccountID(row[0]), address: address, displayName: row[2], sent: row[3],
                             received: row[4], firstSeen: Date(timeIntervalSince1970: row[5]),
                             lastSeen: Date(timeIntervalSince1970: row[6]))
    }

    public func quarantine(_ request: QuarantineRequest) async throws -> QuarantinedMessage {
        guard !request.recipients.isEmpty else { throw MailStoreError.noRecipients }
        let bodies = self.bodies
        let reference = try await BlockingIO.run {
            let reference = try bodies.store(request.bytes)
            try bodies.syncDirectories(of: [reference])
            return reference
        }
        let recipients = String(decoding: try JSONEncoder().encode(request.recipients.map(\.description)), as: UTF8.self)
        let now = Date()
        do {
            let id = try await pool.write { db in
                try db.execute(sql: """
                    INSERT INTO quarantine (mail_from, recipients, body_path, size, verdict, reason, subject, header_from, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [request.mailFrom?.description, recipients, reference.path, request.bytes.count, request.verdict,
                                     request.reason, request.subject, request.from, now.timeIntervalSince1970])
                return db.lastInsertedRowID
            }
            return QuarantinedMessage(id: id, mailFrom: request.mailFrom, recipients: request.recipients, body: reference,
                                      size: Int64(request.bytes.count), verdict: request.verdict, reason: request.reason,
                                      subject: request.subject, from: request.from,
                                      receivedAt: Date(timeIntervalSince1970: now.timeIntervalSince1970))
        } catch {
            bodies.remove(reference)
            throw error
        }
    }

    public func quarantinedMessages() async throws -> [QuarantinedMessage] {
        try await reads.readInOneHop { db in try Row.fetchAll(db, sql: "SELECT * FROM quarantine ORDER BY id").compactMap(Self.quarantined) }
    }

    public func quarantinedMessage(_ id: Int64) async throws -> QuarantinedMessage? {
        try await reads.readInOneHop { db in try Row.fetchOne(db, sql: "SELECT * FROM quarantine WHERE id = ?", arguments: [id]).flatMap(Self.quarantined) }
    }

    public func removeQuarantined(_ id: Int64) async throws {
        let path = try await pool.write { db -> String in
            guard let path = try String.fetchOne(db, sql: "SELECT body_path FROM quarantine WHERE id = ?", arguments: [id]) else {
                throw MailStoreError.quarantinedMessageNotFound(id)
            }
            try db.execute(sql: "DELETE FROM quarantine WHERE id = ?", arguments: [id])
            return path
        }
        await removeUnreferenced([path])
    }

    static func quarantined(_ row: Row) -> QuarantinedMessage? {
        let recipients = (try? JSONDecoder().decode([String].self, from: Data((row["recipients"] as String).utf8))) ?? []
        return QuarantinedMessage(
            id: row["id"], mailFrom: (row["mail_from"] as String?).flatMap { try? EmailAddress($0) },
            recipients: recipients.compactMap { try? EmailAddress($0) }, body: BodyReference(path: row["body_path"]), size: row["size"],
            verdict: row["verdict"], reason: row["reason"], subject: row["subject"], from: row["header_from"],
            receivedAt: Date(timeIntervalSince1970: row["received_at"]))
    }
}
