import Foundation
import GRDB
import MailStore

/// Greylisting's triplets and auto-whitelisted sender domains (migration `v8-spam-controls`).
extension SQLiteMailStore {
    public func greylistRecord(_ triplet: GreylistTriplet) async throws -> GreylistRecord? {
        // Made into a value inside the closure so that the async `read` is used (`Row` is not
        // Sendable; see correspondents(of:limit:)).
        try await reads.readInOneHop { db in
            try Row.fetchOne(db, sql: "SELECT * FROM greylist WHERE network = ? AND sender = ? AND recipient = ?",
                             arguments: [triplet.network, triplet.sender, triplet.recipient]).map { row in
                GreylistRecord(triplet: triplet, firstSeen: Date(timeIntervalSince1970: row["first_seen"]),
                               lastSeen: Date(timeIntervalSince1970: row["last_seen"]), passed: (row["passed"] as Int) != 0,
                               attempts: row["attempts"])
            }
        }
    }

    public func saveGreylistRecord(_ record: GreylistRecord) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO greylist (network, sender, recipient, first_seen, last_seen, passed, attempts)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.triplet.network, record.triplet.sender, record.triplet.recipient,
                                 record.firstSeen.timeIntervalSince1970, record.lastSeen.timeIntervalSince1970,
                                 record.passed ? 1 : 0, record.attempts])
        }
    }

    public func recordGreylistPass(domain: String, at date: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO greylist_senders (domain, passes, last_seen) VALUES (?, 1, ?)
                ON CONFLICT (domain) DO UPDATE SET passes = passes + 1, last_seen = MAX(last_seen, excluded.last_seen)
                """, arguments: [domain.lowercased(), date.timeIntervalSince1970])
        }
    }

    public func greylistPasses(domain: String, since: Date) async throws -> Int {
        try await reads.readInOneHop { db in
            try Int.fetchOne(db, sql: "SELECT passes FROM greylist_senders WHERE domain = ? AND last_seen >= ?",
                             arguments: [domain.lowercased(), since.timeIntervalSince1970]) ?? 0
        }
    }

    public func removeExpiredGreylistEntries(before: Date) async throws -> Int {
        try await pool.write { db in
            let time = before.timeIntervalSince1970
            try db.execute(sql: "DELETE FROM greylist WHERE last_seen < ?", arguments: [time])
            var removed = db.changesCount
            try db.execute(sql: "DELETE FROM greylist_senders WHERE last_seen < ?", arguments: [time])
            removed += db.changesCount
            return removed
        }
    }
}
