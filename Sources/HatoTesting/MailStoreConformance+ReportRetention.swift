import Foundation
import MailStore

extension MailStoreConformance {
    /// `pruneReportData`: DMARC evaluations, TLS session counts and the sent ledgers go by their
    /// time (the evaluation, the day, the period end), received DMARC and TLS reports by when they
    /// arrived; what is newer stays, and a second prune finds nothing.
    public func reportRetention() async throws {
        let store = try await makeStore()
        let day = Date(timeIntervalSince1970: 1_764_806_400)
        let next = day.addingTimeInterval(86_400)
        for at in [day, next] {
            try await store.recordDMARCEvaluation(DMARCEvaluationRecord(
                evaluatedAt: at.addingTimeInterval(60), sourceIP: "192.0.2.1", headerFrom: "a.example", envelopeFrom: nil,
                envelopeTo: ["example.test"], result: "pass", disposition: "none", policyOverride: nil, overrideComment: nil, policy: nil,
                evaluatedPolicy: "none", dkimAligned: true, spfAligned: false, dkim: [], spfDomain: nil, spfResult: "none", reportURIs: []))
            try await store.recordTLSSession(TLSSessionResult(day: at, policyDomain: "example.org", policyType: .noPolicyFound, policyStrings: [],
                                                              mxHost: "mx.example.org", resultType: TLSSessionResult.success))
            let sent = DMARCSentReport(periodBegin: at, periodEnd: at.addingTimeInterval(86_400), policyDomain: "a.example",
                                       reportID: "\(at.timeIntervalSince1970)", outcome: .noDestination, destinations: [])
            _ = try await store.recordDMARCReportSent(sent)
            _ = try await store.recordTLSReportSent(sent)
            let received = DMARCReceivedReport(receivedAt: at, reporter: "r", reportID: "\(at.timeIntervalSince1970)", policyDomain: "a.example",
                                               periodBegin: at, periodEnd: at.addingTimeInterval(86_399), messageCount: 1, recordCount: 1,
                                               reportJSON: "{}")
            _ = try await store.storeDMARCReceivedReport(received)
            _ = try await store.storeTLSReceivedReport(received)
        }
        // Working data before `next`: the first day's evaluation. Its session counts and ledger
        // rows cover the whole day, which ends at `next` itself: they stay until a prune passes it.
        let first = try await store.pruneReportData(workingBefore: next, receivedBefore: next)
        try require(first == PrunedReportData(evaluations: 1, tlsSessions: 0, sentReports: 0, receivedReports: 2), "\(first)")
        let later = next.addingTimeInterval(1)
        let second = try await store.pruneReportData(workingBefore: later, receivedBefore: .distantPast)
        try require(second == PrunedReportData(tlsSessions: 1, sentReports: 2), "the day that ended: \(second)")
        let left = try await store.dmarcEvaluations(from: day, to: next.addingTimeInterval(86_400), headerFrom: nil)
        try require(left.map(\.evaluatedAt) == [next.addingTimeInterval(60)], "the second day's evaluation stays")
        try require(try await store.tlsSessions(from: day, to: next.addingTimeInterval(86_400)).map(\.day) == [next], "the second day's sessions stay")
        try require(try await store.dmarcReportsSent(since: day).map(\.periodBegin) == [next], "the second day's ledger row stays")
        try require(try await store.tlsReportsSent(since: day).map(\.periodBegin) == [next], "and TLS's")
        try require(try await store.dmarcReceivedReports(domain: nil, since: nil, limit: 10).map(\.receivedAt) == [next], "the later report stays")
        let again = try await store.pruneReportData(workingBefore: later, receivedBefore: next)
        try require(again == PrunedReportData(), "nothing more: \(again)")
        try await store.close()
    }
}
