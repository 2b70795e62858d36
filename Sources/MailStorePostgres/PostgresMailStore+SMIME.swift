import Foundation
import MailCore
import MailStore
import NIOCore
import PostgresNIO

/// S/MIME certificates of accounts (with their sealed keys) and of correspondents
/// (docs/smime.md; MailStoreSQLite's `v13-smime`, schema step 3 here).
extension PostgresMailStore {
    public func putSMIMECertificate(_ certificate: StoredSMIMECertificate) async throws {
        let der = ByteBuffer(bytes: certificate.certificate)
        let chain = ByteBuffer(bytes: StoredSMIMECertificate.packChain(certificate.chain))
        let key = certificate.sealedPrivateKey.map { ByteBuffer(bytes: $0) }
        let addresses = Array(Set(certificate.addresses.map { $0.lowercased() }))
        try await transaction { db in
            var accountID: Int64?
            if case .account(let address) = certificate.owner {
                accountID = try await db.value("SELECT id FROM accounts WHERE address = \(address.canonical)", as: Int64.self)
                guard accountID != nil else { throw MailStoreError.accountNotFound(address.description) }
            }
            try await db.run("""
                DELETE FROM smime_certificates WHERE fingerprint = \(certificate.fingerprint) AND account_id IS NOT DISTINCT FROM \(accountID)
                """)
            guard let id = try await db.value("""
                INSERT INTO smime_certificates (fingerprint, account_id, certificate, chain, private_key, not_after, imported_at)
                VALUES (\(certificate.fingerprint), \(accountID), \(der), \(chain), \(key),
                        \(certificate.notAfter.timeIntervalSince1970), \(certificate.imported.timeIntervalSince1970)) RETURNING id
                """, as: Int64.self) else { throw MailStoreError.io("certificate insert returned nothing") }
            try await db.run("""
                INSERT INTO smime_addresses (certificate_id, address) SELECT \(id), a FROM unnest(\(addresses)::text[]) AS a
                """)
        }
    }

    public func smimeCertificates(account: EmailAddress?) async throws -> [StoredSMIMECertificate] {
        let canonical = account?.canonical
        return try await read { db in
            let rows = if let canonical {
                try await db.all("""
                    SELECT \(unescaped: Self.smimeColumns) FROM smime_certificates c JOIN accounts a ON a.id = c.account_id
                    WHERE a.address = \(canonical) ORDER BY c.imported_at DESC, c.id DESC
                    """)
            } else {
                try await db.all("""
                    SELECT \(unescaped: Self.smimeColumns) FROM smime_certificates c LEFT JOIN accounts a ON a.id = c.account_id
                    ORDER BY c.account_id IS NULL, a.address COLLATE "C", c.imported_at DESC, c.id DESC
                    """)
            }
            var certificates: [StoredSMIMECertificate] = []
            for row in rows { certificates.append(try await Self.smimeCertificate(row, db)) }
            return certificates
        }
    }

    public func smimeCertificates(address: String) async throws -> [StoredSMIMECertificate] {
        try await read { db in
            let rows = try await db.all("""
                SELECT \(unescaped: Self.smimeColumns) FROM smime_certificates c
                JOIN smime_addresses x ON x.certificate_id = c.id LEFT JOIN accounts a ON a.id = c.account_id
                WHERE x.address = \(address.lowercased()) ORDER BY c.imported_at DESC, c.id DESC
                """)
            var certificates: [StoredSMIMECertificate] = []
            for row in rows { certificates.append(try await Self.smimeCertificate(row, db)) }
            return certificates
        }
    }

    public func removeSMIMECertificate(fingerprint: String) async throws {
        try await transaction { db in
            let removed = try await db.run("DELETE FROM smime_certificates WHERE fingerprint = \(fingerprint.uppercased()) RETURNING 1")
            guard removed > 0 else { throw MailStoreError.smimeCertificateNotFound(fingerprint) }
        }
    }

    static let smimeColumns = "c.id, c.fingerprint, c.certificate, c.chain, c.private_key, c.not_after, c.imported_at, a.display_address"

    static func smimeCertificate(_ row: PostgresRow, _ db: PostgresConnection) async throws -> StoredSMIMECertificate {
        let (id, fingerprint, der, chain, key, notAfter, imported, display) =
            try row.decode((Int64, String, ByteBuffer, ByteBuffer, ByteBuffer?, Double, Double, String?).self)
        let addresses = try await db.all("""
            SELECT address FROM smime_addresses WHERE certificate_id = \(id) ORDER BY address COLLATE "C"
            """).map { try $0.decode(String.self) }
        let owner: SMIMECertificateOwner = if let display { .account(try EmailAddress(display)) } else { .contact }
        return StoredSMIMECertificate(
            fingerprint: fingerprint, owner: owner, addresses: addresses, certificate: Array(der.readableBytesView),
            chain: StoredSMIMECertificate.unpackChain(Array(chain.readableBytesView)), sealedPrivateKey: key.map { Array($0.readableBytesView) },
            notAfter: Date(timeIntervalSince1970: notAfter), imported: Date(timeIntervalSince1970: imported))
    }
}
