import Foundation
import MailStore

extension MailStoreConformance {
    /// The MTA-STS policy cache (RFC 8461 §5.1): one row per lowercased domain, replaced on save;
    /// the refresh query sees unexpired rows expiring before a bound, soonest first; expired rows go.
    public func mtaSTSPolicies() async throws {
        let store = try await makeStore()
        let now = Date(timeIntervalSince1970: 1_764_806_400)
        func policy(_ domain: String, id: String, expiresIn: TimeInterval) -> CachedMTASTSPolicy {
            CachedMTASTSPolicy(domain: domain, policyID: id, body: "version: STSv1\r\nmode: enforce\r\nmx: mx.example.org\r\nmax_age: 86400\r\n",
                               fetchedAt: now, expiresAt: now.addingTimeInterval(expiresIn))
        }
        try require(try await store.mtaSTSPolicy(domain: "example.org") == nil, "no policy before the first fetch")
        try await store.saveMTASTSPolicy(policy("Example.ORG", id: "one", expiresIn: 86_400))
        let saved = try await store.mtaSTSPolicy(domain: "example.org")
        try require(saved == policy("example.org", id: "one", expiresIn: 86_400), "round-trips, domain lowercased: \(String(describing: saved))")
        try await store.saveMTASTSPolicy(policy("example.org", id: "two", expiresIn: 3_600))
        try require(try await store.mtaSTSPolicy(domain: "EXAMPLE.org")?.policyID == "two", "a save replaces the domain's row")
        try await store.saveMTASTSPolicy(policy("a.example", id: "a", expiresIn: 600))
        try await store.saveMTASTSPolicy(policy("b.example", id: "b", expiresIn: 90_000))
        try await store.saveMTASTSPolicy(policy("gone.example", id: "g", expiresIn: -1))
        let due = try await store.mtaSTSPoliciesExpiring(after: now, before: now.addingTimeInterval(7_200), limit: 10)
        try require(due.map(\.domain) == ["a.example", "example.org"], "unexpired, before the bound, soonest first: \(due.map(\.domain))")
        try require(try await store.mtaSTSPoliciesExpiring(after: now, before: now.addingTimeInterval(7_200), limit: 1).map(\.domain) == ["a.example"],
                    "limit")
        try require(try await store.deleteExpiredMTASTSPolicies(now: now) == 1, "one expired row deleted")
        try require(try await store.mtaSTSPolicy(domain: "gone.example") == nil, "the expired row is gone")
        try require(try await store.mtaSTSPolicy(domain: "b.example") != nil, "unexpired rows stay")
    }
}
