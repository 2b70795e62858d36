import GRDB

extension Schema {
    /// `v17-imap-metadata`: RFC 5464 METADATA entries of an account on one of its mailboxes, or
    /// on the server (`mailbox_id` NULL). One value per (account, mailbox or server, name); names
    /// are stored lowercase (§3.2: case-insensitive).
    static func registerIMAPMetadata(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v17-imap-metadata") { db in
            try db.execute(sql: """
                CREATE TABLE imap_metadata (
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    mailbox_id INTEGER REFERENCES mailboxes(id) ON DELETE CASCADE,
                    name TEXT NOT NULL, value BLOB NOT NULL);
                CREATE UNIQUE INDEX imap_metadata_entry ON imap_metadata(account_id, COALESCE(mailbox_id, 0), name);
                CREATE INDEX imap_metadata_mailbox ON imap_metadata(mailbox_id);
                """)
        }
    }
}
