import Foundation
import GRDB
import MailStore

/// RFC 5464 METADATA entries (migration `v17-imap-metadata`). `mailbox_id` is NULL for server
/// entries; the rows of a mailbox go with it (ON DELETE CASCADE) and keep its id across RENAME.
extension SQLiteMailStore {
    public func metadata(of account: AccountID, mailbox: MailboxID?) async throws -> [MetadataEntry] {
        try await reads.readInOneHop { db in
            try Row.fetchAll(db, sql: """
                SELECT name, value FROM imap_metadata WHERE account_id = ? AND COALESCE(mailbox_id, 0) = ? ORDER BY name
                """, arguments: [account.rawValue, mailbox?.rawValue ?? 0]).map { row in
                MetadataEntry(name: row["name"], value: [UInt8](row["value"] as Data))
            }
        }
    }

    public func setMetadata(_ changes: [MetadataChange], of account: AccountID, mailbox: MailboxID?, maxEntries: Int) async throws {
        let name = try await pool.write { db -> String? in
            var name: String?
            if let mailbox {
                name = try String.fetchOne(db, sql: "SELECT name FROM mailboxes WHERE id = ? AND account_id = ?",
                                           arguments: [mailbox.rawValue, account.rawValue])
                guard name != nil else { throw MailStoreError.mailboxNotFound("id \(mailbox)") }
            }
            for change in changes {
                try db.execute(sql: "DELETE FROM imap_metadata WHERE account_id = ? AND COALESCE(mailbox_id, 0) = ? AND name = ?",
                               arguments: [account.rawValue, mailbox?.rawValue ?? 0, change.name])
                guard let value = change.value else { continue }
                try db.execute(sql: "INSERT INTO imap_metadata (account_id, mailbox_id, name, value) VALUES (?, ?, ?, ?)",
                               arguments: [account.rawValue, mailbox?.rawValue, change.name, Data(value)])
            }
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM imap_metadata WHERE account_id = ?", arguments: [account.rawValue]) ?? 0
            // Thrown inside the transaction: nothing of this command is kept (§4.3).
            if count > maxEntries { throw MailStoreError.metadataTooMany(limit: maxEntries) }
            return name
        }
        feed.accounts.publish([.metadata(mailbox: name, entries: changes.map(\.name))], for: account)
    }

    /// RFC 5464 §4.1: renaming INBOX copies its entries to the new mailbox; INBOX keeps them.
    static func copyMetadata(from source: MailboxID, to target: MailboxID, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO imap_metadata (account_id, mailbox_id, name, value)
            SELECT account_id, ?, name, value FROM imap_metadata WHERE mailbox_id = ?
            """, arguments: [target.rawValue, source.rawValue])
    }
}
