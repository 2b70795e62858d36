import DMARCReport
import HTTPService
import MailStore

/// The TLS reports received about a domain (RFC 8460 JSON, as stored by `TLSReportIntake`)
/// summed per policy for the dashboard: policy type and MX hosts, sessions, failure types.
/// Flagged reports (unread, or without the reporter's DKIM signature) are not counted.
enum DashboardTLSSummary {
    static func policies(_ rows: [TLSReceivedReport]) -> [DashboardTLSPolicy] {
        var byKey: [String: DashboardTLSPolicy] = [:]
        for row in rows {
            guard row.problem == nil, let json = row.reportJSON, let report = try? TLSReport.parse(Array(json.utf8)) else { continue }
            for result in report.policies where result.policy.policyDomain.lowercased() == row.policyDomain {
                let hosts = Set((result.policy.mxHost ?? []).map { $0.lowercased() }).sorted()
                let key = result.policy.policyType + " " + hosts.joined(separator: " ")
                var policy = byKey[key] ?? DashboardTLSPolicy(policyType: result.policy.policyType, mxHosts: hosts, successful: 0, failed: 0,
                                                              failures: [:], reports: 0, reporters: [])
                policy.successful += result.summary.totalSuccessfulSessionCount
                policy.failed += result.summary.totalFailureSessionCount
                for detail in result.failureDetails ?? [] { policy.failures[detail.resultType, default: 0] += detail.failedSessionCount }
                policy.reports += 1
                policy.reporters.insert(report.organizationName)
                byKey[key] = policy
            }
        }
        return byKey.sorted { $0.key < $1.key }.map(\.value)
    }
}
