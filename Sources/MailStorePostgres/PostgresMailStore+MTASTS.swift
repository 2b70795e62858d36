import Foundation
import MailStore
import PostgresNIO

/// The persistent MTA-STS policy cache (schema step 5, as SQLite's v19-mta-sts-cache; RFC 8461 §5.1).
extension PostgresMailStore {
    public func saveMTASTSPolicy(_ policy: CachedMTASTSPolicy) async throws {
        let domain = policy.domain.lowercased()
        let fetched = policy.fetchedAt.timeIntervalSince1970, expires = policy.expiresAt.timeIntervalSince1970
        try await transaction { db in
            try await db.run("""
                INSERT INTO mta_sts_policies (domain, policy_id, body, fetched_at, expires_at)
                VALUES (\(domain), \(policy.policyID), \(policy.body), \(fetched), \(expires))
                ON CONFLICT (domain) DO UPDATE SET policy_id = excluded.policy_id, body = excluded.body,
                    fetched_at = excluded.fetched_at, expires_at = excluded.expires_at
                """)
        }
    }

    public func mtaSTSPolicy(domain: String) async throws -> CachedMTASTSPolicy? {
        let domain = domain.lowercased()
        return try await read { db in
            try await db.all("SELECT domain, policy_id, body, fetched_at, expires_at FROM mta_sts_policies WHERE domain = \(domain)")
                .map(Self.mtaSTSPolicy).first
        }
    }

    public func mtaSTSPoliciesExpiring(after now: Date, before: Date, limit: Int) async throws -> [CachedMTASTSPolicy] {
        let from = now.timeIntervalSince1970, to = before.timeIntervalSince1970, limit = Int64(max(0, limit))
        return try await read { db in
            try await db.all("""
                SELECT domain, policy_id, body, fetched_at, expires_at FROM mta_sts_policies
                WHERE expires_at > \(from) AND expires_at < \(to) ORDER BY expires_at, domain COLLATE "C" LIMIT \(limit)
                """).map(Self.mtaSTSPolicy)
        }
    }

    public func deleteExpiredMTASTSPolicies(now: Date) async throws -> Int {
        let now = now.timeIntervalSince1970
        return try await transaction { db in try await db.run("DELETE FROM mta_sts_policies WHERE expires_at <= \(now) RETURNING 1") }
    }

    static func mtaSTSPolicy(_ row: PostgresRow) throws -> CachedMTASTSPolicy {
        let (domain, id, body, fetched, expires) = try row.decode((String, String, String, Double, Double).self)
        return CachedMTASTSPolicy(domain: domain, policyID: id, body: body, fetchedAt: Date(timeIntervalSince1970: fetched),
                                  expiresAt: Date(timeIntervalSince1970: expires))
    }
}
