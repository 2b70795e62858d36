extension PostgresSchema {
    /// POP3 maildrop locks across nodes (docs/scaling.md "POP3 across nodes"; RFC 1939 §8): one row
    /// per locked account, its owner (a session) and when the lease ends. No SQLite counterpart.
    static let v9: [String] = [
        """
        CREATE TABLE IF NOT EXISTS maildrop_locks (
            account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE, owner TEXT NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL)
        """,
    ]
}
