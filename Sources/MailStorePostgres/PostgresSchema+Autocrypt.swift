extension PostgresSchema {
    /// MailStoreSQLite's `v25-autocrypt-peers`: Autocrypt Level 1 §2.3 peer state per account and
    /// correspondent (docs/openpgp.md#autocrypt).
    static let v10: [String] = [
        """
        CREATE TABLE IF NOT EXISTS autocrypt_peers (
            account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, address TEXT NOT NULL,
            last_seen DOUBLE PRECISION NOT NULL, autocrypt_timestamp DOUBLE PRECISION NOT NULL,
            fingerprint TEXT NOT NULL, key_data BYTEA NOT NULL, prefer_encrypt BOOLEAN NOT NULL DEFAULT FALSE,
            PRIMARY KEY (account_id, address))
        """,
        "CREATE INDEX IF NOT EXISTS autocrypt_peers_seen ON autocrypt_peers(account_id, last_seen)",
    ]
}
