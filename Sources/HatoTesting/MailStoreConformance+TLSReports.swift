import Foundation
import MailCore
import MailStore

extension MailStoreConformance {
    /// TLS-RPT: outcomes with the same key add up, by day; the REQUIRETLS tag survives the
    /// queue; the report ledger queues once per day and domain.
    public func tlsReportLedger() async throws {
        let store = try await makeStore()
        let day = Date(timeIntervalSince1970: 1_764_806_400)
        func outcome(_ result: String, at offset: TimeInterval = 60, strings: [String] = ["3 1 1 ab"]) -> TLSSessionResult {
            TLSSessionResult(day: day.addingTimeInterval(offset), policyDomain: "Example.org", policyType: .tlsa, policyStrings: strings,
                             mxHost: "MX.example.org", resultType: result, receivingIP: "192.0.2.1")
        }
        try await store.recordTLSSession(outcome(TLSSessionResult.success))
        try await store.recordTLSSession(outcome(TLSSessionResult.success, at: 3600))
        try await store.recordTLSSession(outcome("tlsa-invalid"))
        try await store.recordTLSSession(outcome(TLSSessionResult.success, strings: ["3 1 1 cd"]))
        try await store.recordTLSSession(outcome(TLSSessionResult.success, at: 86_400))
        let rows = try await store.tlsSessions(from: day, to: day.addingTimeInterval(86_400))
        try require(rows.map(\.count) == [2, 1, 1], "same key adds up, per day: \(rows)")
        try require(rows.allSatisfy { $0.day == day && $0.policyDomain == "example.org" && $0.mxHost == "mx.example.org" },
                    "day start and lowercased names: \(rows)")
        try require(rows.map(\.policyStrings) == [["3 1 1 ab"], ["3 1 1 ab"], ["3 1 1 cd"]]
                    && rows.map(\.resultType) == ["success", "tlsa-invalid", "success"], "ordered, policy strings round-trip: \(rows)")

        let required = try await store.enqueue(OutboundMessage(
            bytes: Array("Subject: x\r\n\r\nx\r\n".utf8), mailFrom: Self.alice, recipients: [QueuedRecipient(address: Self.bob)],
            tlsRequirement: .required))
        try require(try await store.queuedMessage(required)?.tlsRequirement == .required, "REQUIRETLS is kept with the queue entry")

        let sent = TLSSentReport(periodBegin: day, periodEnd: day.addingTimeInterval(86_400), policyDomain: "example.org",
                                 reportID: "1.example.org@hato.test", outcome: .queued, destinations: ["tls@example.org"])
        try require(try await store.latestTLSReportPeriodEnd() == nil, "no day before the first report")
        let report = OutboundMessage(bytes: Array("Subject: r\r\n\r\nx\r\n".utf8), mailFrom: Self.alice,
                                     recipients: [QueuedRecipient(address: try EmailAddress("tls@example.org"))], tlsRequirement: .optional)
        let first = try await store.enqueueTLSReport(report, sent: sent)
        try require(first != nil, "the first report of a day is queued")
        try require(try await store.enqueueTLSReport(report, sent: sent) == nil, "the same day and domain queue nothing more")
        try require(try await store.queuedMessage(first!)?.tlsRequirement == .optional, "TLS-Required: No is kept")
        try require(try await store.tlsReportsSent(since: day) == [sent], "the ledger row round-trips")
        try require(try await store.latestTLSReportPeriodEnd() == day.addingTimeInterval(86_400), "the latest day end")

        let received = TLSReceivedReport(receivedAt: day, reporter: "Company-X", reportID: "r-1", policyDomain: "example.org", periodBegin: day,
                                         periodEnd: day.addingTimeInterval(86_400), messageCount: 5, recordCount: 1, reportJSON: "{}")
        let stored = try await store.storeTLSReceivedReport(received)
        guard let id = stored?.id else { throw ConformanceFailure("a received report gets an id") }
        try require(try await store.tlsReceivedReport(id: id)?.reportID == "r-1", "a received report by id")
        try require(try await store.tlsReceivedReport(id: id + 1_000) == nil, "no report under another id")
    }
}
