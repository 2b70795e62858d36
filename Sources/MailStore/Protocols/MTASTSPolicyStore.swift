import Foundation

/// A recipient domain's MTA-STS policy as last fetched (RFC 8461 §3.3), kept so that a restart
/// or an unreachable policy host does not drop it before its max_age ends (§5.1, §10.3).
/// The body is the policy text as served; the reader parses it again.
public struct CachedMTASTSPolicy: Sendable, Equatable {
    /// The policy domain (A-labels, lowercased).
    public var domain: String
    /// The `_mta-sts` TXT record's id the policy was fetched under (§3.1).
    public var policyID: String
    /// The policy text as fetched, at most 64 KiB (`RemoteMTASTSPolicy.maxSize`).
    public var body: String
    /// When the policy was last fetched (or confirmed by a refresh).
    public var fetchedAt: Date
    /// `fetchedAt` plus the policy's max_age: after this the policy is no longer used (§3.2).
    public var expiresAt: Date

    public init(domain: String, policyID: String, body: String, fetchedAt: Date, expiresAt: Date) {
        self.domain = domain
        self.policyID = policyID
        self.body = body
        self.fetchedAt = fetchedAt
        self.expiresAt = expiresAt
    }
}

/// The persistent MTA-STS policy cache (store migration v19-mta-sts-cache), one row per domain.
public protocol MTASTSPolicyStore: Sendable {
    /// Inserts or replaces the domain's row.
    func saveMTASTSPolicy(_ policy: CachedMTASTSPolicy) async throws
    /// The domain's row, expired or not; nil when there is none.
    func mtaSTSPolicy(domain: String) async throws -> CachedMTASTSPolicy?
    /// Unexpired rows (expiresAt after `now`) whose expiry is before `before`, soonest first,
    /// at most `limit`: the policies a background refresh should fetch again.
    func mtaSTSPoliciesExpiring(after now: Date, before: Date, limit: Int) async throws -> [CachedMTASTSPolicy]
    /// Deletes rows that expired at or before `now`; returns how many.
    func deleteExpiredMTASTSPolicies(now: Date) async throws -> Int
}
