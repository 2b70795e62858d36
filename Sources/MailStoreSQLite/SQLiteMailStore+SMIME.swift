import Foundation
import GRDB
import MailCore
import MailStore

/// S/MIME certificates of accounts (with their sealed keys) and of correspondents (migration
/// `v13-smime`; MailStorePostgres keeps the same tables).
extension SQLiteMailStore {
    public func putSMIMECertificate(_ certificate: StoredSMIMECertificate) async throws {
        try await pool.write { db in
            var accountID: Int64?
            if case .account(let address) = certificate.owner {
                accountID = try Int64.fetchOne(db, sql: "SELECT id FROM accounts WHERE address = ?", arguments: [address.canonical])
                guard accountID != nil else { throw MailStoreError.accountNotFound(address.description) }
            }
            try db.execute(sql: "DELETE FROM smime_certificates WHERE fingerprint = ? AND account_id IS ?",
                           arguments: [certificate.fingerprint, accountID])
            try db.execute(sql: """
                INSERT INTO smime_certificates (fingerprint, account_id, certificate, chain, private_key, not_after, imported_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [certificate.fingerprint, accountID, Data(certificate.certificate), Data(StoredSMIMECertificate.packChain(certificate.chain)),
                                 certificate.sealedPrivateKey.map { Data($0) }, certificate.notAfter.timeIntervalSince1970,
                                 certificate.imported.timeIntervalSince1970])
            let id = db.lastInsertedRowID
            for address in Set(certificate.addresses.map { $0.lowercased() }) {
                try db.execute(sql: "INSERT INTO smime_addresses (certificate_id, address) VALUES (?, ?)", arguments: [id, address])
            }
        }
    }

    public func smimeCertificates(account: EmailAddress?) async throws -> [StoredSMIMECertificate] {
        try await reads.readInOneHop { db in
            let select = "SELECT c.*, a.display_address FROM smime_certificates c LEFT JOIN accounts a ON a.id = c.account_id"
            let rows: [Row]
            if let account {
                rows = try Row.fetchAll(db, sql: select + " WHERE a.address = ? ORDER BY c.imported_at DESC, c.id DESC",
                                        arguments: [account.canonical])
            } else {
                rows = try Row.fetchAll(db, sql: select + " ORDER BY c.account_id IS NULL, a.address, c.imported_at DESC, c.id DESC")
            }
            return try rows.map { try Self.smimeCertificate(db, $0) }
        }
    }

    public func smimeCertificates(address: String) async throws -> [StoredSMIMECertificate] {
        try await reads.readInOneHop { db in
            try Row.fetchAll(db, sql: """
                SELECT c.*, a.display_address FROM smime_certificates c
                JOIN smime_addresses x ON x.certificate_id = c.id LEFT JOIN accounts a ON a.id = c.account_id
                WHERE x.address = ? ORDER BY c.imported_at DESC, c.id DESC
                """, arguments: [address.lowercased()]).map { try Self.smimeCertificate(db, $0) }
        }
    }

    public func removeSMIMECertificate(fingerprint: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM smime_certificates WHERE fingerprint = ?", arguments: [fingerprint.uppercased()])
            guard db.changesCount > 0 else { throw MailStoreError.smimeCertificateNotFound(fingerprint) }
        }
    }

    static func smimeCertificate(_ db: Database, _ row: Row) throws -> StoredSMIMECertificate {
        let addresses = try String.fetchAll(db, sql: "SELECT address FROM smime_addresses WHERE certificate_id = ? ORDER BY address",
                                            arguments: [row["id"] as Int64])
        let owner: SMIMECertificateOwner = if let display = row["display_address"] as String? { .account(try EmailAddress(display)) } else { .contact }
        return StoredSMIMECertificate(
            fingerprint: row["fingerprint"], owner: owner, addresses: addresses, certificate: Array(row["certificate"] as Data),
            chain: StoredSMIMECertificate.unpackChain(Array(row["chain"] as Data)), sealedPrivateKey: (row["private_key"] as Data?).map { Array($0) },
            notAfter: Date(timeIntervalSince1970: row["not_after"]), imported: Date(timeIntervalSince1970: row["imported_at"]))
    }
}

enum SMIMESchema {
    /// Migration `v13-smime` (issue 20, docs/smime.md): accounts' certificates with their sealed
    /// private keys (account_id set, removed with the account) and correspondents' certificates
    /// (account_id NULL), found by their RFC 8550 §3 addresses.
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE smime_certificates (
                id INTEGER PRIMARY KEY,
                fingerprint TEXT NOT NULL,             -- SHA-256 of the DER, upper-case hex
                account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
                certificate BLOB NOT NULL,             -- DER (RFC 5280)
                chain BLOB NOT NULL,                   -- intermediates: length-prefixed DER
                private_key BLOB,                      -- PKCS#8 sealed with the server key (AES-GCM); NULL for contacts
                not_after REAL NOT NULL,
                imported_at REAL NOT NULL
            );
            CREATE UNIQUE INDEX smime_certificates_account ON smime_certificates(fingerprint, account_id) WHERE account_id IS NOT NULL;
            CREATE UNIQUE INDEX smime_certificates_contact ON smime_certificates(fingerprint) WHERE account_id IS NULL;
            CREATE TABLE smime_addresses (
                certificate_id INTEGER NOT NULL REFERENCES smime_certificates(id) ON DELETE CASCADE,
                address TEXT NOT NULL,                 -- lower-cased
                PRIMARY KEY (certificate_id, address)
            );
            CREATE INDEX smime_addresses_address ON smime_addresses(address);
            """)
    }
}
