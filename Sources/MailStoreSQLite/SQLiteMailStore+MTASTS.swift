import Foundation
import GRDB
import MailStore

/// The persistent MTA-STS policy cache (migration v19-mta-sts-cache, RFC 8461 §5.1).
extension SQLiteMailStore {
    public func saveMTASTSPolicy(_ policy: CachedMTASTSPolicy) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO mta_sts_policies (domain, policy_id, body, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (domain) DO UPDATE SET policy_id = excluded.policy_id, body = excluded.body,
                    fetched_at = excluded.fetched_at, expires_at = excluded.expires_at
                """, arguments: [policy.domain.lowercased(), policy.policyID, policy.body, policy.fetchedAt.timeIntervalSince1970,
                                 policy.expiresAt.timeIntervalSince1970])
        }
    }

    public func mtaSTSPolicy(domain: String) async throws -> CachedMTASTSPolicy? {
        try await reads.readInOneHop { db in
            try Row.fetchOne(db, sql: "SELECT * FROM mta_sts_policies WHERE domain = ?", arguments: [domain.lowercased()]).map(Self.mtaSTSPolicy)
        }
    }

    public func mtaSTSPoliciesExpiring(after now: Date, before: Date, limit: Int) async throws -> [CachedMTASTSPolicy] {
        try await reads.readInOneHop { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM mta_sts_policies WHERE expires_at > ? AND expires_at < ? ORDER BY expires_at, domain LIMIT ?
                """, arguments: [now.timeIntervalSince1970, before.timeIntervalSince1970, max(0, limit)]).map(Self.mtaSTSPolicy)
        }
    }

    public func deleteExpiredMTASTSPolicies(now: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM mta_sts_policies WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
            return db.changesCount
        }
    }

    static func mtaSTSPolicy(_ row: Row) -> CachedMTASTSPolicy {
        CachedMTASTSPolicy(domain: row["domain"], policyID: row["policy_id"], body: row["body"],
                           fetchedAt: Date(timeIntervalSince1970: row["fetched_at"]), expiresAt: Date(timeIntervalSince1970: row["expires_at"]))
    }
}
