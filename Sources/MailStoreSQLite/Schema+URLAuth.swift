import GRDB

extension Schema {
    /// `v26-urlauth-keys`: RFC 4467 §2.2 mailbox access keys, one per (account, mailbox); the
    /// rows of a mailbox go with it (ON DELETE CASCADE). The key is a secret: never logged.
    static func registerURLAuthKeys(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v26-urlauth-keys") { db in
            try db.execute(sql: """
                CREATE TABLE imap_urlauth_keys (
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                    key BLOB NOT NULL,
                    PRIMARY KEY (account_id, mailbox_id));
                CREATE INDEX imap_urlauth_keys_mailbox ON imap_urlauth_keys(mailbox_id);
                """)
        }
    }
}
