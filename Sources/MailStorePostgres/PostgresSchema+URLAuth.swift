extension PostgresSchema {
    /// MailStoreSQLite's `v26-urlauth-keys` (docs/imap.md "URLAUTH"): RFC 4467 §2.2 mailbox access
    /// keys, one per (account, mailbox), gone with the mailbox.
    static let v13: [String] = [
        """
        CREATE TABLE IF NOT EXISTS imap_urlauth_keys (
            account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
            key BYTEA NOT NULL, PRIMARY KEY (account_id, mailbox_id))
        """,
        "CREATE INDEX IF NOT EXISTS imap_urlauth_keys_mailbox ON imap_urlauth_keys(mailbox_id)",
    ]
}
