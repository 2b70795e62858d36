import Foundation
import GRDB
import MailStore

/// RFC 4467 mailbox access keys (migration `v26-urlauth-keys`).
extension SQLiteMailStore {
    public func urlAuthKey(of account: AccountID, mailbox: MailboxID) async throws -> [UInt8]? {
        try await reads.readInOneHop { db in
            try Data.fetchOne(db, sql: "SELECT key FROM imap_urlauth_keys WHERE account_id = ? AND mailbox_id = ?",
                              arguments: [account.rawValue, mailbox.rawValue]).map { [UInt8]($0) }
        }
    }

    public func urlAuthKey(of account: AccountID, mailbox: MailboxID, creatingWith candidate: [UInt8]) async throws -> [UInt8] {
        try await pool.write { db in
            try Self.requireMailbox(mailbox, of: account, db)
            try db.execute(sql: "INSERT OR IGNORE INTO imap_urlauth_keys (account_id, mailbox_id, key) VALUES (?, ?, ?)",
                           arguments: [account.rawValue, mailbox.rawValue, Data(candidate)])
            let key = try Data.fetchOne(db, sql: "SELECT key FROM imap_urlauth_keys WHERE account_id = ? AND mailbox_id = ?",
                                        arguments: [account.rawValue, mailbox.rawValue])
            return [UInt8](key ?? Data(candidate))
        }
    }

    public func resetURLAuthKey(of account: AccountID, mailbox: MailboxID?, to key: [UInt8]?) async throws {
        try await pool.write { db in
            guard let mailbox, let key else {
                try db.execute(sql: "DELETE FROM imap_urlauth_keys WHERE account_id = ?", arguments: [account.rawValue])
                return
            }
            try Self.requireMailbox(mailbox, of: account, db)
            try db.execute(sql: "INSERT OR REPLACE INTO imap_urlauth_keys (account_id, mailbox_id, key) VALUES (?, ?, ?)",
                           arguments: [account.rawValue, mailbox.rawValue, Data(key)])
        }
    }

    private static func requireMailbox(_ mailbox: MailboxID, of account: AccountID, _ db: Database) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM mailboxes WHERE id = ? AND account_id = ?",
                                arguments: [mailbox.rawValue, account.rawValue]) != nil
        else { throw MailStoreError.mailboxNotFound("id \(mailbox)") }
    }
}
