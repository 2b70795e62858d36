// The mail that carries a TLS report (RFC 8460 §5.3): multipart/report; report-type="tlsrpt"
// with a human text part and the gzipped JSON as application/tlsrpt+gzip (§5.2, §6.5), named
// sender!policy-domain!begin!end!unique.json.gz (§5.1), the TLS-Report-Domain and
// TLS-Report-Submitter header fields and the §5.3 Subject. The queue signs it with DKIM (§3).

import BoundedZlib
import Foundation
import MailMessage

public enum TLSReportMessage {
    public static func filename(for report: TLSReport, submitterDomain: String, begin: Date, end: Date) -> String {
        let domain = report.policies.first?.policy.policyDomain ?? ""
        let unique = AggregateReportMessage.safe(String(report.reportID.prefix { $0 != "@" }))
        return "\(AggregateReportMessage.safe(submitterDomain))!\(AggregateReportMessage.safe(domain))!\(Int(begin.timeIntervalSince1970))!"
            + "\(Int(end.timeIntervalSince1970))!\(unique.filter { $0.isLetter || $0.isNumber }).json.gz"
    }

    /// The whole message, CRLF-terminated, ready to sign and queue.
    public static func message(for report: TLSReport, policyDomain: String, submitterDomain: String, from: String, to: [String],
                               begin: Date, end: Date, date: Date) -> [UInt8] {
        var builder = MessageBuilder()
        builder.from = [AggregateReportMessage.mailbox(from, displayName: "TLS reports")]
        builder.to = to.map { AggregateReportMessage.mailbox($0, displayName: nil) }
        // tlsrpt-subject = "Report" FWS "Domain:" FWS domain FWS "Submitter:" FWS domain FWS "Report-ID:" FWS "<" id ">"
        builder.subject = "Report Domain: \(policyDomain) Submitter: \(submitterDomain) Report-ID: <\(report.reportID)>"
        builder.date = date
        builder.timeZone = TimeZone(identifier: "UTC")!
        builder.messageIDDomain = submitterDomain
        builder.extraHeaders = [("TLS-Report-Domain", policyDomain), ("TLS-Report-Submitter", submitterDomain)]
        let successes = report.policies.reduce(0) { $0 + $1.summary.totalSuccessfulSessionCount }
        let failures = report.policies.reduce(0) { $0 + $1.summary.totalFailureSessionCount }
        builder.textBody = """
            This is an SMTP TLS report (RFC 8460) from \(report.organizationName) for \(policyDomain),
            covering \(report.dateRange.startDatetime) to \(report.dateRange.endDatetime): \(successes) successful and
            \(failures) failed sessions. The report is the attached gzip-compressed JSON file.

            """
        builder.attachmentWrapper = "report; report-type=\"tlsrpt\""
        builder.attachments = [.init(filename: filename(for: report, submitterDomain: submitterDomain, begin: begin, end: end),
                                     contentType: "application/tlsrpt+gzip", data: gzip(report))]
        return builder.build()
    }

    /// The report's JSON, gzip-compressed: the attachment and the HTTPS POST body (RFC 8460 §5.2, §5.3).
    public static func gzip(_ report: TLSReport) -> [UInt8] {
        BoundedDeflate.deflate(report.json(), format: .gzip)
    }
}
