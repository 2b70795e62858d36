import Foundation
import MailCore
import MailStore
import NIOCore
import PostgresNIO

/// OpenPGP certificates of accounts and of the contact directory (docs/openpgp.md).
extension PostgresMailStore {
    public func putOpenPGPCertificate(_ certificate: StoredOpenPGPCertificate) async throws {
        let data = ByteBuffer(bytes: certificate.data)
        let addresses = Array(Set(certificate.addresses.map { $0.lowercased() }))
        let secret = certificate.sealedSecretKey.map { ByteBuffer(bytes: $0) }
        try await transaction { db in
            var accountID: Int64?
            if case .account(let address) = certificate.owner {
                accountID = try await db.value("SELECT id FROM accounts WHERE address = \(address.canonical)", as: Int64.self)
                guard accountID != nil else { throw MailStoreError.accountNotFound(address.description) }
            }
            try await db.run("""
                DELETE FROM openpgp_certificates WHERE fingerprint = \(certificate.fingerprint) AND account_id IS NOT DISTINCT FROM \(accountID)
                """)
            guard let id = try await db.value("""
                INSERT INTO openpgp_certificates (fingerprint, account_id, data, imported_at, secret_key)
                VALUES (\(certificate.fingerprint), \(accountID), \(data), \(certificate.imported.timeIntervalSince1970), \(secret)) RETURNING id
                """, as: Int64.self) else { throw MailStoreError.io("certificate insert returned nothing") }
            try await db.run("""
                INSERT INTO openpgp_addresses (certificate_id, address) SELECT \(id), a FROM unnest(\(addresses)::text[]) AS a
                """)
        }
    }

    public func openPGPCertificates(account: EmailAddress?) async throws -> [StoredOpenPGPCertificate] {
        let canonical = account?.canonical
        return try await read { db in
            let rows = if let canonical {
                try await db.all("""
                    SELECT c.id, c.fingerprint, c.data, c.imported_at, a.display_address, c.secret_key FROM openpgp_certificates c
                    JOIN accounts a ON a.id = c.account_id WHERE a.address = \(canonical) ORDER BY c.fingerprint COLLATE "C"
                    """)
            } else {
                try await db.all("""
                    SELECT c.id, c.fingerprint, c.data, c.imported_at, a.display_address, c.secret_key FROM openpgp_certificates c
                    LEFT JOIN accounts a ON a.id = c.account_id
                    ORDER BY c.account_id IS NULL, a.address COLLATE "C", c.fingerprint COLLATE "C"
                    """)
            }
            var certificates: [StoredOpenPGPCertificate] = []
            for row in rows { certificates.append(try await Self.openPGPCertificate(row, db)) }
            return certificates
        }
    }

    public func openPGPContactCertificates(address: String) async throws -> [StoredOpenPGPCertificate] {
        try await read { db in
            let rows = try await db.all("""
                SELECT c.id, c.fingerprint, c.data, c.imported_at, NULL::text, c.secret_key FROM openpgp_certificates c
                JOIN openpgp_addresses x ON x.certificate_id = c.id
                WHERE c.account_id IS NULL AND x.address = \(address.lowercased()) ORDER BY c.fingerprint COLLATE "C"
                """)
            var certificates: [StoredOpenPGPCertificate] = []
            for row in rows { certificates.append(try await Self.openPGPCertificate(row, db)) }
            return certificates
        }
    }

    public func removeOpenPGPCertificate(fingerprint: String) async throws {
        try await transaction { db in
            let removed = try await db.run("DELETE FROM openpgp_certificates WHERE fingerprint = \(fingerprint.uppercased()) RETURNING 1")
            guard removed > 0 else { throw MailStoreError.openPGPCertificateNotFound(fingerprint) }
        }
    }

    static func openPGPCertificate(_ row: PostgresRow, _ db: PostgresConnection) async throws -> StoredOpenPGPCertificate {
        let (id, fingerprint, data, imported, display, secret) = try row.decode((Int64, String, ByteBuffer, Double, String?, ByteBuffer?).self)
        let addresses = try await db.all("""
            SELECT address FROM openpgp_addresses WHERE certificate_id = \(id) ORDER BY address COLLATE "C"
            """).map { try $0.decode(String.self) }
        let owner: OpenPGPCertificateOwner = if let display { .account(try EmailAddress(display)) } else { .contact }
        return StoredOpenPGPCertificate(fingerprint: fingerprint, owner: owner, addresses: addresses, data: Array(data.readableBytesView),
                                        imported: Date(timeIntervalSince1970: imported),
                                        sealedSecretKey: secret.map { Array($0.readableBytesView) })
    }
}
