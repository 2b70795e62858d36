import GRDB

extension Schema {
    static func registerOpenPGPOutbound(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v21-openpgp-outbound") { db in
            // OpenPGP at rest per account, off until turned on, and an account certificate's
            // secret key for server-side signing, sealed with the server key (docs/openpgp.md).
            try db.execute(sql: """
                ALTER TABLE accounts ADD COLUMN openpgp_at_rest INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE openpgp_certificates ADD COLUMN secret_key BLOB;
                """)
        }
    }
}
