import Foundation
import MailCore
import MailStore
import NIOCore
import PostgresNIO

/// Accounts' Autocrypt peer states (schema step 10, docs/openpgp.md#autocrypt).
extension PostgresMailStore {
    public func recordAutocrypt(account: EmailAddress, address: String, seen: Date, key: AutocryptKey?, limit: Int) async throws {
        let peer = address.lowercased()
        try await transaction { db in
            guard let accountID = try await db.value("SELECT id FROM accounts WHERE address = \(account.canonical) FOR UPDATE", as: Int64.self) else {
                throw MailStoreError.accountNotFound(account.description)
            }
            // The account row lock orders concurrent updates of its peers (one read-modify-write at a time).
            let current = try await db.all("""
                SELECT address, last_seen, autocrypt_timestamp, fingerprint, key_data, prefer_encrypt FROM autocrypt_peers
                WHERE account_id = \(accountID) AND address = \(peer)
                """).first.map(Self.autocryptPeer)
            guard let next = AutocryptPeer.updated(current, address: peer, seen: seen, key: key) else { return }
            try await db.run("""
                INSERT INTO autocrypt_peers (account_id, address, last_seen, autocrypt_timestamp, fingerprint, key_data, prefer_encrypt)
                VALUES (\(accountID), \(peer), \(next.lastSeen.timeIntervalSince1970), \(next.autocryptTimestamp.timeIntervalSince1970),
                        \(next.key.fingerprint), \(ByteBuffer(bytes: next.key.data)), \(next.key.preferEncrypt))
                ON CONFLICT (account_id, address) DO UPDATE SET last_seen = EXCLUDED.last_seen,
                    autocrypt_timestamp = EXCLUDED.autocrypt_timestamp, fingerprint = EXCLUDED.fingerprint,
                    key_data = EXCLUDED.key_data, prefer_encrypt = EXCLUDED.prefer_encrypt
                """)
            if current == nil {
                try await db.run("""
                    DELETE FROM autocrypt_peers WHERE account_id = \(accountID) AND address NOT IN
                        (SELECT address FROM autocrypt_peers WHERE account_id = \(accountID)
                         ORDER BY last_seen DESC, address COLLATE "C" LIMIT \(max(1, limit)))
                    """)
            }
        }
    }

    public func autocryptPeers(account: EmailAddress, address: String?) async throws -> [AutocryptPeer] {
        let canonical = account.canonical
        return try await read { db in
            let select = """
                SELECT p.address, p.last_seen, p.autocrypt_timestamp, p.fingerprint, p.key_data, p.prefer_encrypt
                FROM autocrypt_peers p JOIN accounts a ON a.id = p.account_id
                """
            let rows = if let address {
                try await db.all("\(unescaped: select) WHERE a.address = \(canonical) AND p.address = \(address.lowercased())")
            } else {
                try await db.all("\(unescaped: select) WHERE a.address = \(canonical) ORDER BY p.address COLLATE \"C\"")
            }
            return try rows.map(Self.autocryptPeer)
        }
    }

    static func autocryptPeer(_ row: PostgresRow) throws -> AutocryptPeer {
        let (address, lastSeen, stamp, fingerprint, data, prefer) = try row.decode((String, Double, Double, String, ByteBuffer, Bool).self)
        return AutocryptPeer(address: address, lastSeen: Date(timeIntervalSince1970: lastSeen), autocryptTimestamp: Date(timeIntervalSince1970: stamp),
                             key: AutocryptKey(fingerprint: fingerprint, data: Array(buffer: data), preferEncrypt: prefer))
    }
}
