// One RFC 8460 report per policy domain from the session outcomes counted over a day (§4.1:
// 00:00-24:00 UTC): a policy entry per policy that applied (per MX host for TLSA, whose records
// belong to one host), its success and failure totals (§4.2), and one failure detail per result
// type, MX host, address and reason (§4.3, §4.4).

import Foundation
import MailStore

public enum TLSReportBuilder {
    /// Who sends the reports.
    public struct Submitter: Sendable {
        /// "organization-name".
        public var organizationName: String
        /// "contact-info": the reports address; its domain is the submitter domain (§5.3).
        public var contact: String
        public init(organizationName: String, contact: String) {
            self.organizationName = organizationName
            self.contact = contact
        }
        public var domain: String { contact.split(separator: "@").last.map(String.init)?.lowercased() ?? contact }
    }

    /// The reports of [begin, end) by policy domain, domains in order; at most `maxFailureDetails`
    /// failure details per policy (the largest counts first; the totals still count them all).
    public static func reports(from sessions: [TLSSessionResult], begin: Date, end: Date, submitter: Submitter,
                               maxFailureDetails: Int = 1000) -> [TLSReport] {
        let byDomain = Dictionary(grouping: sessions.filter { $0.day >= begin && $0.day < end }) { $0.policyDomain.lowercased() }
        return byDomain.keys.sorted().map { domain in
            let rows = byDomain[domain]!
            struct PolicyKey: Hashable { var type: TLSSessionResult.PolicyType; var strings: [String]; var host: String }
            let grouped = Dictionary(grouping: rows) { PolicyKey(type: $0.policyType, strings: $0.policyStrings, host: $0.policyType == .tlsa ? $0.mxHost : "") }
            let policies = grouped.keys.sorted { ($0.type.rawValue, $0.host, $0.strings.joined(separator: "\n")) < ($1.type.rawValue, $1.host, $1.strings.joined(separator: "\n")) }
                .map { key in policyResult(grouped[key]!, domain: domain, type: key.type, strings: key.strings, host: key.host, maxFailureDetails: maxFailureDetails) }
            return TLSReport(organizationName: submitter.organizationName,
                             dateRange: .init(startDatetime: TLSReport.dateTime(begin), endDatetime: TLSReport.dateTime(end)),
                             contactInfo: submitter.contact, reportID: reportID(begin: begin, domain: domain, submitter: submitter), policies: policies)
        }
    }

    static func policyResult(_ rows: [TLSSessionResult], domain: String, type: TLSSessionResult.PolicyType, strings: [String], host: String,
                             maxFailureDetails: Int) -> TLSReport.PolicyResult {
        let successes = rows.filter { $0.resultType == TLSSessionResult.success }.reduce(0) { $0 + $1.count }
        let failures = rows.filter { $0.resultType != TLSSessionResult.success }
        let details = failures.sorted { ($1.count, $0.resultType, $0.mxHost, $0.receivingIP) < ($0.count, $1.resultType, $1.mxHost, $1.receivingIP) }
            .prefix(maxFailureDetails).map { row in
                TLSReport.FailureDetail(resultType: row.resultType, sendingMTAIP: nil, receivingMXHostname: row.mxHost, receivingMXHelo: nil,
                                        receivingIP: row.receivingIP.isEmpty ? nil : row.receivingIP, failedSessionCount: row.count,
                                        additionalInformation: nil, failureReasonCode: row.reasonCode.isEmpty ? nil : row.reasonCode)
            }
        // §4.4 mx-host: the policy's MX patterns for STS, the host the TLSA records are for.
        let mxHosts: [String]? = switch type {
        case .sts: strings.filter { $0.hasPrefix("mx: ") }.map { String($0.dropFirst(4)) }
        case .tlsa: [host]
        case .noPolicyFound: nil
        }
        return TLSReport.PolicyResult(
            policy: .init(policyType: type.rawValue, policyString: type == .noPolicyFound ? nil : strings, policyDomain: domain, mxHost: mxHosts),
            summary: .init(totalSuccessfulSessionCount: successes, totalFailureSessionCount: failures.reduce(0) { $0 + $1.count }),
            failureDetails: details.isEmpty ? nil : Array(details))
    }

    /// Stable per day, domain and submitter, so a resent report has the same id (§5.3 Report-ID
    /// is a msg-id: id-left "@" id-right).
    public static func reportID(begin: Date, domain: String, submitter: Submitter) -> String {
        "\(Int(begin.timeIntervalSince1970)).\(AggregateReportMessage.safe(domain))@\(submitter.domain)"
    }
}
