import Foundation
import MailCore
import MailStore

extension MailStoreConformance {
    /// The report ledger: one row per period and domain, the queue entry only with a new row;
    /// received reports unique per reporter and report id, listed newest first and by domain.
    public func dmarcReportLedger() async throws {
        let store = try await makeStore()
        let day = Date(timeIntervalSince1970: 1_764_806_400)
        func sent(_ domain: String, _ outcome: DMARCSentReport.Outcome, begin: Date = day) -> DMARCSentReport {
            DMARCSentReport(periodBegin: begin, periodEnd: begin.addingTimeInterval(86_400), policyDomain: domain,
                            reportID: "\(domain).\(begin.timeIntervalSince1970)", outcome: outcome, destinations: ["d@\(domain)"], detail: "why")
        }
        try require(try await store.latestDMARCReportPeriodEnd() == nil, "no period before the first report")
        let message = OutboundMessage(bytes: Array("Subject: report\r\n\r\nx\r\n".utf8), mailFrom: try EmailAddress("r@example.test"),
                                      recipients: [QueuedRecipient(address: try EmailAddress("d@a.example"))])
        let first = try await store.enqueueDMARCReport(message, sent: sent("a.example", .queued))
        try require(first != nil, "the first report of a period is queued")
        let second = try await store.enqueueDMARCReport(message, sent: sent("A.example", .queued))
        try require(second == nil, "the same period and domain queue nothing more")
        let queued = try await store.queuedMessages().count
        try require(queued == 1, "one queue entry, got \(queued)")
        try require(try await store.recordDMARCReportSent(sent("b.example", .refused)), "a refused period is recorded")
        try require(!(try await store.recordDMARCReportSent(sent("b.example", .refused))), "once")
        try require(try await store.recordDMARCReportSent(sent("a.example", .queued, begin: day.addingTimeInterval(86_400))), "the next day is new")
        let rows = try await store.dmarcReportsSent(since: day)
        try require(rows.map(\.policyDomain) == ["a.example", "b.example", "a.example"], "ordered by period then domain: \(rows.map(\.policyDomain))")
        try require(rows[1] == sent("b.example", .refused), "every field round-trips: \(rows[1])")
        try require(try await store.latestDMARCReportPeriodEnd() == day.addingTimeInterval(172_800), "the latest period end")

        func received(_ reporter: String, _ id: String, domain: String, begin: Date) -> DMARCReceivedReport {
            DMARCReceivedReport(receivedAt: day, reporter: reporter, reportID: id, policyDomain: domain, periodBegin: begin,
                                periodEnd: begin.addingTimeInterval(86_399), messageCount: 5, recordCount: 2, reportJSON: "{}")
        }
        let google = try await store.storeDMARCReceivedReport(received("google.com", "1", domain: "a.example", begin: day))
        try require(google?.id != nil, "stored with an id")
        try require(try await store.storeDMARCReceivedReport(received("google.com", "1", domain: "a.example", begin: day)) == nil, "a resend is ignored")
        _ = try await store.storeDMARCReceivedReport(received("Yahoo", "1", domain: "b.example", begin: day.addingTimeInterval(86_400)))
        var bad = received("<>", "unparsed:x", domain: "", begin: day)
        bad.reportJSON = nil
        bad.problem = "report has a DOCTYPE declaration (refused)"
        bad.attachment = [0x3C, 0x21]
        let flagged = try await store.storeDMARCReceivedReport(bad)
        let all = try await store.dmarcReceivedReports(domain: nil, since: nil, limit: 10)
        try require(all.map(\.reporter) == ["Yahoo", "<>", "google.com"], "newest period first: \(all.map(\.reporter))")
        try require(try await store.dmarcReceivedReports(domain: "A.EXAMPLE", since: nil, limit: 10).map(\.reportID) == ["1"], "by domain")
        try require(try await store.dmarcReceivedReports(domain: nil, since: day.addingTimeInterval(86_400 * 1.5), limit: 10).map(\.reporter) == ["Yahoo"],
                    "by period end")
        try require(try await store.dmarcReceivedReport(id: flagged!.id!) == flagged, "a flagged report keeps its problem and bytes")
    }
}
