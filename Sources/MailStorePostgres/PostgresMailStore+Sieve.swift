import Foundation
import MailStore
import PostgresNIO

/// Sieve scripts and vacation reply tracking (docs/sieve.md).
extension PostgresMailStore: SieveStore {
    static func script(_ row: PostgresRow) throws -> SieveScript {
        let (name, source, active, updated) = try row.decode((String, String, Bool, Double).self)
        return SieveScript(name: name, source: source, active: active, updatedAt: Date(timeIntervalSince1970: updated))
    }

    public func sieveScripts(of account: AccountID) async throws -> [SieveScript] {
        try await read { db in
            try await db.all("""
                SELECT name, source, active, updated_at FROM sieve_scripts WHERE account_id = \(account.rawValue) ORDER BY name COLLATE "C"
                """).map(Self.script)
        }
    }

    public func sieveScript(of account: AccountID, named name: String) async throws -> SieveScript? {
        try await read { db in
            try await db.all("""
                SELECT name, source, active, updated_at FROM sieve_scripts WHERE account_id = \(account.rawValue) AND name = \(name)
                """).first.map(Self.script)
        }
    }

    public func activeSieveScript(of account: AccountID) async throws -> SieveScript? {
        try await read { db in
            try await db.all("""
                SELECT name, source, active, updated_at FROM sieve_scripts WHERE account_id = \(account.rawValue) AND active
                """).first.map(Self.script)
        }
    }

    public func putSieveScript(of account: AccountID, name: String, source: String, at date: Date) async throws {
        try await transaction { db in
            try await db.run("""
                INSERT INTO sieve_scripts (account_id, name, source, active, updated_at)
                VALUES (\(account.rawValue), \(name), \(source), FALSE, \(date.timeIntervalSince1970))
                ON CONFLICT (account_id, name) DO UPDATE SET source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
                """)
        }
    }

    public func activateSieveScript(of account: AccountID, named name: String?) async throws {
        try await transaction { db in
            if let name, try await !db.exists("SELECT 1 FROM sieve_scripts WHERE account_id = \(account.rawValue) AND name = \(name)") {
                throw SieveScriptNotFound(name: name)
            }
            try await db.run("UPDATE sieve_scripts SET active = FALSE WHERE account_id = \(account.rawValue) AND active")
            if let name {
                try await db.run("UPDATE sieve_scripts SET active = TRUE WHERE account_id = \(account.rawValue) AND name = \(name)")
            }
        }
    }

    public func renameSieveScript(of account: AccountID, from name: String, to newName: String) async throws {
        try await transaction { db in
            guard try await db.exists("SELECT 1 FROM sieve_scripts WHERE account_id = \(account.rawValue) AND name = \(name)") else {
                throw SieveScriptNotFound(name: name)
            }
            if name != newName, try await db.exists("SELECT 1 FROM sieve_scripts WHERE account_id = \(account.rawValue) AND name = \(newName)") {
                throw SieveScriptExists(name: newName)
            }
            try await db.run("UPDATE sieve_scripts SET name = \(newName) WHERE account_id = \(account.rawValue) AND name = \(name)")
        }
    }

    public func deleteSieveScript(of account: AccountID, named name: String) async throws -> Bool {
        try await transaction { db in
            try await db.run("DELETE FROM sieve_scripts WHERE account_id = \(account.rawValue) AND name = \(name) RETURNING 1") > 0
        }
    }

    /// The check and the record are one step: the row lock of the upsert makes two nodes handling
    /// mail from the same sender at once send one reply (RFC 5230 §4.2).
    public func claimVacationReply(account: AccountID, sender: String, handle: String, at date: Date, notBefore: Date) async throws -> Bool {
        try await transaction { db in
            try await db.run("""
                INSERT INTO sieve_vacation_replies AS v (account_id, sender, handle, sent_at)
                VALUES (\(account.rawValue), \(sender.lowercased()), \(handle), \(date.timeIntervalSince1970))
                ON CONFLICT (account_id, sender, handle) DO UPDATE SET sent_at = EXCLUDED.sent_at
                WHERE v.sent_at < \(notBefore.timeIntervalSince1970)
                RETURNING 1
                """) == 1
        }
    }

    public func sieveDuplicateKeys(of account: AccountID, at now: Date, limit: Int) async throws -> Set<String> {
        try await transaction { db in
            var keys = Set<String>()
            for row in try await db.all("""
                SELECT key FROM sieve_duplicates WHERE account_id = \(account.rawValue) AND expires_at > \(now.timeIntervalSince1970)
                ORDER BY expires_at DESC LIMIT \(limit)
                """) {
                keys.insert(try row.decode(String.self))
            }
            return keys
        }
    }

    public func recordSieveDuplicates(of account: AccountID, _ entries: [SieveDuplicateEntry], at now: Date, limit: Int) async throws {
        try await transaction { db in
            for entry in entries {
                try await db.run("""
                    INSERT INTO sieve_duplicates (account_id, key, expires_at)
                    VALUES (\(account.rawValue), \(entry.key), \(entry.expires.timeIntervalSince1970))
                    ON CONFLICT (account_id, key) DO UPDATE SET expires_at = EXCLUDED.expires_at
                    """)
            }
            try await db.run("DELETE FROM sieve_duplicates WHERE account_id = \(account.rawValue) AND expires_at <= \(now.timeIntervalSince1970)")
            try await db.run("""
                DELETE FROM sieve_duplicates WHERE account_id = \(account.rawValue) AND key NOT IN
                    (SELECT key FROM sieve_duplicates WHERE account_id = \(account.rawValue) ORDER BY expires_at DESC, key LIMIT \(limit))
                """)
        }
    }
}
