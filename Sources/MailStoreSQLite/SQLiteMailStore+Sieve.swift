import Foundation
import GRDB
import MailStore

/// Sieve scripts and vacation reply tracking (migration `v10-sieve`).
extension SQLiteMailStore: SieveStore {
    private static func script(_ row: Row) -> SieveScript {
        SieveScript(name: row["name"], source: row["source"], active: (row["active"] as Int) != 0,
                    updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }

    public func sieveScripts(of account: AccountID) async throws -> [SieveScript] {
        try await reads.readInOneHop { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sieve_scripts WHERE account_id = ? ORDER BY name",
                             arguments: [account.rawValue]).map(Self.script)
        }
    }

    public func sieveScript(of account: AccountID, named name: String) async throws -> SieveScript? {
        try await reads.readInOneHop { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sieve_scripts WHERE account_id = ? AND name = ?",
                             arguments: [account.rawValue, name]).map(Self.script)
        }
    }

    public func activeSieveScript(of account: AccountID) async throws -> SieveScript? {
        // Read for every delivery: a cached statement (docs/PERFORMANCE.md, issue 24).
        try await reads.unsafeReadInOneHop { db in  // one statement (see SQLiteMailStore.messageStates(in:))
            try db.cachedRow("SELECT * FROM sieve_scripts WHERE account_id = ? AND active = 1", [account.rawValue]).map(Self.script)
        }
    }

    public func putSieveScript(of account: AccountID, name: String, source: String, at date: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO sieve_scripts (account_id, name, source, active, updated_at) VALUES (?, ?, ?, 0, ?)
                ON CONFLICT (account_id, name) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at
                """, arguments: [account.rawValue, name, source, date.timeIntervalSince1970])
        }
    }

    public func activateSieveScript(of account: AccountID, named name: String?) async throws {
        try await pool.write { db in
            if let name, try Int.fetchOne(db, sql: "SELECT 1 FROM sieve_scripts WHERE account_id = ? AND name = ?",
                                          arguments: [account.rawValue, name]) == nil {
                throw SieveScriptNotFound(name: name)
            }
            try db.execute(sql: "UPDATE sieve_scripts SET active = 0 WHERE account_id = ?", arguments: [account.rawValue])
            if let name {
                try db.execute(sql: "UPDATE sieve_scripts SET active = 1 WHERE account_id = ? AND name = ?", arguments: [account.rawValue, name])
            }
        }
    }

    public func renameSieveScript(of account: AccountID, from name: String, to newName: String) async throws {
        try await pool.write { db in
            func exists(_ name: String) throws -> Bool {
                try Int.fetchOne(db, sql: "SELECT 1 FROM sieve_scripts WHERE account_id = ? AND name = ?",
                                 arguments: [account.rawValue, name]) != nil
            }
            guard try exists(name) else { throw SieveScriptNotFound(name: name) }
            if name != newName, try exists(newName) { throw SieveScriptExists(name: newName) }
            try db.execute(sql: "UPDATE sieve_scripts SET name = ? WHERE account_id = ? AND name = ?",
                           arguments: [newName, account.rawValue, name])
        }
    }

    public func deleteSieveScript(of account: AccountID, named name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM sieve_scripts WHERE account_id = ? AND name = ?", arguments: [account.rawValue, name])
            return db.changesCount > 0
        }
    }

    public func claimVacationReply(account: AccountID, sender: String, handle: String, at date: Date, notBefore: Date) async throws -> Bool {
        try await pool.write { db in
            let last = try Double.fetchOne(db, sql: """
                SELECT sent_at FROM sieve_vacation_replies WHERE account_id = ? AND sender = ? AND handle = ?
                """, arguments: [account.rawValue, sender.lowercased(), handle])
            if let last, last >= notBefore.timeIntervalSince1970 { return false }
            try db.execute(sql: """
                INSERT OR REPLACE INTO sieve_vacation_replies (account_id, sender, handle, sent_at) VALUES (?, ?, ?, ?)
                """, arguments: [account.rawValue, sender.lowercased(), handle, date.timeIntervalSince1970])
            return true
        }
    }

    public func sieveDuplicateKeys(of account: AccountID, at now: Date, limit: Int) async throws -> Set<String> {
        try await reads.readInOneHop { db in
            Set(try String.fetchAll(db, sql: """
                SELECT key FROM sieve_duplicates WHERE account_id = ? AND expires_at > ? ORDER BY expires_at DESC LIMIT ?
                """, arguments: [account.rawValue, now.timeIntervalSince1970, limit]))
        }
    }

    public func recordSieveDuplicates(of account: AccountID, _ entries: [SieveDuplicateEntry], at now: Date, limit: Int) async throws {
        try await pool.write { db in
            for entry in entries {
                try db.execute(sql: "INSERT OR REPLACE INTO sieve_duplicates (account_id, key, expires_at) VALUES (?, ?, ?)",
                               arguments: [account.rawValue, entry.key, entry.expires.timeIntervalSince1970])
            }
            try db.execute(sql: "DELETE FROM sieve_duplicates WHERE account_id = ? AND expires_at <= ?",
                           arguments: [account.rawValue, now.timeIntervalSince1970])
            try db.execute(sql: """
                DELETE FROM sieve_duplicates WHERE account_id = ? AND key NOT IN
                    (SELECT key FROM sieve_duplicates WHERE account_id = ? ORDER BY expires_at DESC, key LIMIT ?)
                """, arguments: [account.rawValue, account.rawValue, limit])
        }
    }
}
