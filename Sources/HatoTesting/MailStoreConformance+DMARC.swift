import Foundation
import MailStore

extension MailStoreConformance {
    /// DMARC evaluations are stored whole, listed by time window and Author Domain, and pruned
    /// (`pruneReportData`; the other report tables are checked in `reportRetention`).
    public func dmarcEvaluations() async throws {
        let store = try await makeStore()
        let base = Date(timeIntervalSince1970: 1_700_000_000)
        func record(_ offset: TimeInterval, from: String, result: String) -> DMARCEvaluationRecord {
            DMARCEvaluationRecord(
                evaluatedAt: base.addingTimeInterval(offset), sourceIP: "192.0.2.1", headerFrom: from, envelopeFrom: "bounce.\(from)",
                envelopeTo: ["example.test"], result: result, disposition: result == "fail" ? "reject" : "none",
                policyOverride: result == "fail" ? "local_policy" : nil, overrideComment: nil,
                policy: .init(domain: from, p: "reject", sp: "quarantine", adkim: "s", testing: true),
                evaluatedPolicy: result == "fail" ? "reject" : "none", dkimAligned: result == "pass", spfAligned: false,
                dkim: [.init(domain: from, selector: "s1", result: result)], spfDomain: "bounce.\(from)", spfResult: "softfail",
                reportURIs: ["mailto:rua@\(from)"])
        }
        let first = try await store.recordDMARCEvaluation(record(0, from: "a.example", result: "pass"))
        let second = try await store.recordDMARCEvaluation(record(60, from: "b.example", result: "fail"))
        try await store.recordDMARCEvaluation(record(3600, from: "a.example", result: "fail"))
        try require(first.id != nil && second.id != nil && first.id != second.id, "ids assigned")
        let all = try await store.dmarcEvaluations(from: base, to: base.addingTimeInterval(7200), headerFrom: nil)
        try require(all.count == 3, "three evaluations, got \(all.count)")
        try require(all[0] == first, "stored as recorded: \(all[0]) vs \(first)")
        try require(all[1] == second, "every field round-trips")
        let window = try await store.dmarcEvaluations(from: base, to: base.addingTimeInterval(3600), headerFrom: nil)
        try require(window.map(\.headerFrom) == ["a.example", "b.example"], "the window's end is exclusive")
        let byDomain = try await store.dmarcEvaluations(from: base, to: base.addingTimeInterval(7200), headerFrom: "a.example")
        try require(byDomain.map(\.result) == ["pass", "fail"], "filtered by header_from")
        let counted = try await store.dmarcPassCount(headerFrom: "A.example", from: base, to: base.addingTimeInterval(7200))
        try require(counted == DMARCPassCount(evaluations: 2, passes: 1), "counted for a.example: \(counted)")
        let earlier = try await store.dmarcPassCount(headerFrom: "a.example", from: base, to: base.addingTimeInterval(3600))
        try require(earlier == DMARCPassCount(evaluations: 1, passes: 1), "the count's window end is exclusive: \(earlier)")
        let none = try await store.dmarcPassCount(headerFrom: "c.example", from: base, to: base.addingTimeInterval(7200))
        try require(none == DMARCPassCount(evaluations: 0, passes: 0), "no evaluations: \(none)")
        let removed = try await store.pruneReportData(workingBefore: base.addingTimeInterval(61), receivedBefore: .distantPast)
        try require(removed == PrunedReportData(evaluations: 2), "two pruned, got \(removed)")
        let left = try await store.dmarcEvaluations(from: base, to: base.addingTimeInterval(7200), headerFrom: nil)
        try require(left.map(\.evaluatedAt) == [base.addingTimeInterval(3600)], "the later one is kept")
    }
}
