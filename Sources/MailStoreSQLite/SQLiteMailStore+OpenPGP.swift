import Foundation
import GRDB
import MailCore
import MailStore

/// OpenPGP certificates of accounts and of the contact directory (migration `v12-openpgp`).
extension SQLiteMailStore {
    public func putOpenPGPCertificate(_ certificate: StoredOpenPGPCertificate) async throws {
        try await pool.write { db in
            var accountID: Int64?
            if case .account(let address) = certificate.owner {
                accountID = try Int64.fetchOne(db, sql: "SELECT id FROM accounts WHERE address = ?", arguments: [address.canonical])
                guard accountID != nil else { throw MailStoreError.accountNotFound(address.description) }
            }
            try db.execute(sql: "DELETE FROM openpgp_certificates WHERE fingerprint = ? AND account_id IS ?",
                           arguments: [certificate.fingerprint, accountID])
            try db.execute(sql: """
                INSERT INTO openpgp_certificates (fingerprint, account_id, data, imported_at, secret_key) VALUES (?, ?, ?, ?, ?)
                """, arguments: [certificate.fingerprint, accountID, Data(certificate.data),
                                 certificate.imported.timeIntervalSince1970, certificate.sealedSecretKey.map { Data($0) }])
            let id = db.lastInsertedRowID
            for address in Set(certificate.addresses.map { $0.lowercased() }) {
                try db.execute(sql: "INSERT INTO openpgp_addresses (certificate_id, address) VALUES (?, ?)", arguments: [id, address])
            }
        }
    }

    public func openPGPCertificates(account: EmailAddress?) async throws -> [StoredOpenPGPCertificate] {
        try await reads.readInOneHop { db in
            let select = """
                SELECT c.*, a.display_address FROM openpgp_certificates c LEFT JOIN accounts a ON a.id = c.account_id
                """
            let rows: [Row]
            if let account {
                rows = try Row.fetchAll(db, sql: select + " WHERE a.address = ? ORDER BY c.fingerprint", arguments: [account.canonical])
            } else {
                rows = try Row.fetchAll(db, sql: select + " ORDER BY c.account_id IS NULL, a.address, c.fingerprint")
            }
            return try rows.map { try Self.openPGPCertificate(db, $0) }
        }
    }

    public func openPGPContactCertificates(address: String) async throws -> [StoredOpenPGPCertificate] {
        try await reads.readInOneHop { db in
            try Row.fetchAll(db, sql: """
                SELECT c.*, NULL AS display_address FROM openpgp_certificates c
                JOIN openpgp_addresses x ON x.certificate_id = c.id
                WHERE c.account_id IS NULL AND x.address = ? ORDER BY c.fingerprint
                """, arguments: [address.lowercased()]).map { try Self.openPGPCertificate(db, $0) }
        }
    }

    public func removeOpenPGPCertificate(fingerprint: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM openpgp_certificates WHERE fingerprint = ?", arguments: [fingerprint.uppercased()])
            guard db.changesCount > 0 else { throw MailStoreError.openPGPCertificateNotFound(fingerprint) }
        }
    }

    static func openPGPCertificate(_ db: Database, _ row: Row) throws -> StoredOpenPGPCertificate {
        let addresses = try String.fetchAll(db, sql: "SELECT address FROM openpgp_addresses WHERE certificate_id = ? ORDER BY address",
                                            arguments: [row["id"] as Int64])
        let owner: OpenPGPCertificateOwner = if let display = row["display_address"] as String? {
            .account(try EmailAddress(display))
        } else {
            .contact
        }
        return StoredOpenPGPCertificate(fingerprint: row["fingerprint"], owner: owner, addresses: addresses,
                                        data: Array(row["data"] as Data), imported: Date(timeIntervalSince1970: row["imported_at"]),
                                        sealedSecretKey: (row["secret_key"] as Data?).map { Array($0) })
    }
}
