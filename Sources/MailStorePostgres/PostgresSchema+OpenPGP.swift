extension PostgresSchema {
    /// MailStoreSQLite's `v21-openpgp-outbound` (docs/openpgp.md): OpenPGP at rest per account and
    /// an account certificate's sealed secret key for server-side signing.
    static let v12: [String] = [
        "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS openpgp_at_rest BOOLEAN NOT NULL DEFAULT FALSE",
        "ALTER TABLE openpgp_certificates ADD COLUMN IF NOT EXISTS secret_key BYTEA",
    ]
}
