import Foundation
import GRDB
import MailCore
import MailStore

/// Accounts' Autocrypt peer states (migration `v25-autocrypt-peers`, docs/openpgp.md#autocrypt).
extension SQLiteMailStore {
    public func recordAutocrypt(account: EmailAddress, address: String, seen: Date, key: AutocryptKey?, limit: Int) async throws {
        let peer = address.lowercased()
        try await pool.write { db in
            guard let accountID = try Int64.fetchOne(db, sql: "SELECT id FROM accounts WHERE address = ?", arguments: [account.canonical]) else {
                throw MailStoreError.accountNotFound(account.description)
            }
            let current = try Row.fetchOne(db, sql: "SELECT * FROM autocrypt_peers WHERE account_id = ? AND address = ?",
                                           arguments: [accountID, peer]).map(Self.autocryptPeer)
            guard let next = AutocryptPeer.updated(current, address: peer, seen: seen, key: key) else { return }
            try db.execute(sql: """
                INSERT OR REPLACE INTO autocrypt_peers
                    (account_id, address, last_seen, autocrypt_timestamp, fingerprint, key_data, prefer_encrypt)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [accountID, peer, next.lastSeen.timeIntervalSince1970, next.autocryptTimestamp.timeIntervalSince1970,
                                 next.key.fingerprint, Data(next.key.data), next.key.preferEncrypt])
            if current == nil {
                try db.execute(sql: """
                    DELETE FROM autocrypt_peers WHERE account_id = ? AND address NOT IN
                        (SELECT address FROM autocrypt_peers WHERE account_id = ? ORDER BY last_seen DESC, address LIMIT ?)
                    """, arguments: [accountID, accountID, max(1, limit)])
            }
        }
    }

    public func autocryptPeers(account: EmailAddress, address: String?) async throws -> [AutocryptPeer] {
        try await reads.readInOneHop { db in
            let select = "SELECT p.* FROM autocrypt_peers p JOIN accounts a ON a.id = p.account_id WHERE a.address = ?"
            if let address {
                return try Row.fetchAll(db, sql: select + " AND p.address = ?", arguments: [account.canonical, address.lowercased()])
                    .map(Self.autocryptPeer)
            }
            return try Row.fetchAll(db, sql: select + " ORDER BY p.address", arguments: [account.canonical]).map(Self.autocryptPeer)
        }
    }

    static func autocryptPeer(_ row: Row) -> AutocryptPeer {
        AutocryptPeer(address: row["address"], lastSeen: Date(timeIntervalSince1970: row["last_seen"]),
                      autocryptTimestamp: Date(timeIntervalSince1970: row["autocrypt_timestamp"]),
                      key: AutocryptKey(fingerprint: row["fingerprint"], data: Array((row["key_data"] as Data?) ?? Data()),
                                        preferEncrypt: row["prefer_encrypt"]))
    }
}
