import Foundation
import MailStore
import NIOCore
import PostgresNIO

/// RFC 5464 METADATA entries (schema step 6). `mailbox_id` is NULL for server entries; the rows
/// of a mailbox go with it (ON DELETE CASCADE) and keep its id across RENAME.
extension PostgresMailStore {
    public func metadata(of account: AccountID, mailbox: MailboxID?) async throws -> [MetadataEntry] {
        let box = mailbox?.rawValue ?? 0
        return try await read { db in
            try await db.all("""
                SELECT name, value FROM imap_metadata WHERE account_id = \(account.rawValue) AND COALESCE(mailbox_id, 0) = \(box)
                ORDER BY name COLLATE "C"
                """).map { row in
                let (name, value) = try row.decode((String, ByteBuffer).self)
                return MetadataEntry(name: name, value: Array(value.readableBytesView))
            }
        }
    }

    public func setMetadata(_ changes: [MetadataChange], of account: AccountID, mailbox: MailboxID?, maxEntries: Int) async throws {
        let box = mailbox?.rawValue ?? 0
        try await transaction { db in
            // Entries of one account change one at a time, so the count below holds at commit.
            try await db.run("SELECT 1 FROM accounts WHERE id = \(account.rawValue) FOR UPDATE")
            var name: String?
            if let mailbox {
                name = try await db.value("""
                    SELECT name FROM mailboxes WHERE id = \(mailbox.rawValue) AND account_id = \(account.rawValue)
                    """, as: String.self)
                guard name != nil else { throw MailStoreError.mailboxNotFound("id \(mailbox)") }
            }
            for change in changes {
                try await db.run("""
                    DELETE FROM imap_metadata WHERE account_id = \(account.rawValue) AND COALESCE(mailbox_id, 0) = \(box)
                    AND name = \(change.name)
                    """)
                guard let value = change.value else { continue }
                let bytes = ByteBuffer(bytes: value)
                if let mailbox {
                    try await db.run("""
                        INSERT INTO imap_metadata (account_id, mailbox_id, name, value)
                        VALUES (\(account.rawValue), \(mailbox.rawValue), \(change.name), \(bytes))
                        """)
                } else {
                    try await db.run("""
                        INSERT INTO imap_metadata (account_id, name, value) VALUES (\(account.rawValue), \(change.name), \(bytes))
                        """)
                }
            }
            let count = try await db.value("SELECT count(*) FROM imap_metadata WHERE account_id = \(account.rawValue)", as: Int64.self) ?? 0
            // Thrown inside the transaction: nothing of this command is kept (§4.3).
            if count > maxEntries { throw MailStoreError.metadataTooMany(limit: maxEntries) }
            try await Self.announce([.metadata(mailbox: name, entries: changes.map(\.name))], for: account, db)
        }
    }

    /// RFC 5464 §4.1: renaming INBOX copies its entries to the new mailbox; INBOX keeps them.
    static func copyMetadata(from source: MailboxID, to target: MailboxID, _ db: PostgresConnection) async throws {
        try await db.run("""
            INSERT INTO imap_metadata (account_id, mailbox_id, name, value)
            SELECT account_id, \(target.rawValue), name, value FROM imap_metadata WHERE mailbox_id = \(source.rawValue)
            """)
    }
}
