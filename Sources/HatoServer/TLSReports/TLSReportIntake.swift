// TLS reports others send about our domains (RFC 8460 §5.3): the application/tlsrpt+gzip (or
// +json) part of mail to the reports addresses is parsed under `tls_reports.max_report_size` and
// stored once per reporter and report id, like DMARC reports (DMARCReportIntake). §3: a report
// without a valid DKIM signature by the reporting domain (no l=) MUST be ignored: it is kept
// flagged with that problem, never counted.

import DMARCReport
import Foundation
import MailStore

public enum TLSReportIntake {
    /// `signedBy`: the domains whose valid DKIM signatures the mail carried; nil for a file the
    /// operator imports (`hato report import --tls`), which vouches for it.
    public static func importAttachment(_ bytes: [UInt8], sender: String, name: String, signedBy: [String]?, maxJSONBytes: Int,
                                        store: any TLSReportLedger, now: Date = Date()) async throws -> DMARCReportIntake.Outcome {
        var row: TLSReceivedReport
        do {
            let report = try TLSReport.parse(bytes, maxJSONBytes: maxJSONBytes)
            let submitter = report.contactInfo.split(separator: "@").last.map { $0.lowercased() } ?? ""
            let signed = signedBy.map { $0.map { $0.lowercased() }.contains { submitter == $0 || submitter.hasSuffix("." + $0) } } ?? true
            guard signed else { throw TLSReportError(description: "no valid DKIM signature (without l=) by \(submitter) (RFC 8460 §3)") }
            let summaries = report.policies.map(\.summary)
            let formatter = ISO8601DateFormatter()
            row = TLSReceivedReport(
                receivedAt: now, reporter: report.organizationName, reportID: report.reportID,
                policyDomain: report.policies.first?.policy.policyDomain.lowercased() ?? "",
                periodBegin: formatter.date(from: report.dateRange.startDatetime) ?? now, periodEnd: formatter.date(from: report.dateRange.endDatetime) ?? now,
                messageCount: summaries.reduce(0) { $0 + $1.totalSuccessfulSessionCount },
                recordCount: summaries.reduce(0) { $0 + $1.totalFailureSessionCount }, reportJSON: String(decoding: report.json(), as: UTF8.self))
        } catch {
            row = TLSReceivedReport(receivedAt: now, reporter: sender, reportID: "unparsed:\(name):\(bytes.count)", policyDomain: "", periodBegin: now,
                                    periodEnd: now, messageCount: 0, recordCount: 0, reportJSON: nil, problem: "\(error)",
                                    attachment: Array(bytes.prefix(maxJSONBytes)))
            guard let stored = try await store.storeTLSReceivedReport(row) else { return .duplicate(reporter: sender, reportID: row.reportID) }
            return .flagged(stored)
        }
        guard let stored = try await store.storeTLSReceivedReport(row) else { return .duplicate(reporter: row.reporter, reportID: row.reportID) }
        return .stored(stored)
    }
}
