import Foundation
import GRDB
import MailCore
import MailStore

extension SQLiteMailStore {
    public func addDKIMKey(_ key: StoredDKIMKey) async throws {
        try await pool.write { db in
            let exists = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dkim_keys WHERE domain = ? AND selector = ?",
                                          arguments: [key.domain.name, key.selector]) ?? 0
            guard exists == 0 else { throw MailStoreError.dkimKeyExists(key.domain.name, selector: key.selector) }
            try db.execute(
                sql: "INSERT INTO dkim_keys (domain, selector, algorithm, private_key, created_at, active) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [key.domain.name, key.selector, key.algorithm.rawValue, key.privateKeyPEM,
                            key.created.timeIntervalSince1970, key.active])
        }
    }

    public func dkimKeys(domain: Domain?) async throws -> [StoredDKIMKey] {
        try await reads.readInOneHop { db in
            let rows: [Row]
            if let domain {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM dkim_keys WHERE domain = ? ORDER BY created_at DESC, selector",
                                        arguments: [domain.name])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM dkim_keys ORDER BY domain, created_at DESC, selector")
            }
            return try rows.map { row in
                guard let algorithm = DKIMKeyAlgorithm(rawValue: row["algorithm"]) else {
                    throw MailStoreError.io("unknown DKIM key algorithm \(row["algorithm"] as String)")
                }
                return StoredDKIMKey(domain: try Domain(row["domain"] as String), selector: row["selector"],
                                     algorithm: algorithm, privateKeyPEM: row["private_key"],
                                     created: Date(timeIntervalSince1970: row["created_at"]), active: row["active"])
            }
        }
    }

    public func activateDKIMSelectors(_ selectors: [String], domain: Domain) async throws {
        try await pool.write { db in
            for selector in selectors {
                let exists = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dkim_keys WHERE domain = ? AND selector = ?",
                                              arguments: [domain.name, selector]) ?? 0
                guard exists > 0 else { throw MailStoreError.dkimKeyNotFound(domain.name, selector: selector) }
            }
            try db.execute(sql: "UPDATE dkim_keys SET active = 0 WHERE domain = ?", arguments: [domain.name])
            for selector in selectors {
                try db.execute(sql: "UPDATE dkim_keys SET active = 1 WHERE domain = ? AND selector = ?",
                               arguments: [domain.name, selector])
            }
        }
    }

    public func removeDKIMKey(domain: Domain, selector: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM dkim_keys WHERE domain = ? AND selector = ?", arguments: [domain.name, selector])
            guard db.changesCount > 0 else { throw MailStoreError.dkimKeyNotFound(domain.name, selector: selector) }
        }
    }
}
