import Foundation
import MailStore
import PostgresNIO

/// POP3 maildrop locks shared by every node (`maildrop_locks`, schema step 9): a row per locked
/// account with its owner (one session) and when its lease ends. Taking it succeeds when there is
/// no row, the row's lease has ended (its node died or lost the database), or the row is the
/// caller's; the session renews it while it lasts and deletes it at the end.
extension PostgresMailStore: MaildropLockStore {
    public func acquireMaildropLock(_ account: AccountID, owner: String, lease: Duration) async throws -> Bool {
        let now = Date().timeIntervalSince1970, until = now + lease.storeSeconds, id = account.rawValue
        return try await transaction { db in
            try await db.run("""
                INSERT INTO maildrop_locks (account_id, owner, expires_at) VALUES (\(id), \(owner), \(until))
                ON CONFLICT (account_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
                WHERE maildrop_locks.expires_at < \(now) OR maildrop_locks.owner = EXCLUDED.owner
                RETURNING 1
                """) == 1
        }
    }

    public func renewMaildropLock(_ account: AccountID, owner: String, lease: Duration) async throws -> Bool {
        let until = Date().timeIntervalSince1970 + lease.storeSeconds, id = account.rawValue
        return try await transaction { db in
            try await db.run("UPDATE maildrop_locks SET expires_at = \(until) WHERE account_id = \(id) AND owner = \(owner) RETURNING 1") == 1
        }
    }

    public func releaseMaildropLock(_ account: AccountID, owner: String) async throws {
        let id = account.rawValue
        try await transaction { db in
            try await db.run("DELETE FROM maildrop_locks WHERE account_id = \(id) AND owner = \(owner)")
        }
    }
}
