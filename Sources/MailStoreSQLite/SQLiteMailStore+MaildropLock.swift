import Foundation
import MailStore

/// One node: the maildrop locks live in the process, with the same lease semantics as the shared
/// store's table, so the POP3 server uses one code path on both backends.
extension SQLiteMailStore: MaildropLockStore {
    public func acquireMaildropLock(_ account: AccountID, owner: String, lease: Duration) async throws -> Bool {
        let now = Date().timeIntervalSince1970
        return maildropLocks.withLock { locks in
            if let held = locks[account], held.owner != owner, held.expires > now { return false }
            locks[account] = (owner, now + lease.storeSeconds)
            return true
        }
    }

    public func renewMaildropLock(_ account: AccountID, owner: String, lease: Duration) async throws -> Bool {
        let now = Date().timeIntervalSince1970
        return maildropLocks.withLock { locks in
            guard locks[account]?.owner == owner else { return false }
            locks[account] = (owner, now + lease.storeSeconds)
            return true
        }
    }

    public func releaseMaildropLock(_ account: AccountID, owner: String) async throws {
        maildropLocks.withLock { locks in
            if locks[account]?.owner == owner { locks[account] = nil }
        }
    }
}
