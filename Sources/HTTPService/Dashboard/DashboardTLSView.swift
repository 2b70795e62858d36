import Foundation

/// One policy of the TLS reports received about a domain (RFC 8460 §4.4), summed over the
/// reports in the dashboard's window: what the domain's senders saw when they connected.
public struct DashboardTLSPolicy: Sendable, Equatable {
    /// "sts", "tlsa" or "no-policy-found".
    public var policyType: String
    /// The MX hosts the reports name for the policy (`mx-host`), sorted.
    public var mxHosts: [String]
    public var successful: Int
    public var failed: Int
    /// Failed sessions by `result-type` (`certificate-expired`, `starttls-not-supported`, ...).
    public var failures: [String: Int]
    /// How many reports (and reporters) contributed.
    public var reports: Int
    public var reporters: Set<String>

    public init(policyType: String, mxHosts: [String], successful: Int, failed: Int, failures: [String: Int], reports: Int,
                reporters: Set<String>) {
        self.policyType = policyType
        self.mxHosts = mxHosts
        self.successful = successful
        self.failed = failed
        self.failures = failures
        self.reports = reports
        self.reporters = reporters
    }
}

/// The domain page's TLS-RPT section: one row per policy, with the failure types counted.
enum DashboardTLSView {
    static func render(_ policies: [DashboardTLSPolicy], domain: String, days: Int) -> String {
        guard !policies.isEmpty else {
            return "<p class=\"note\" id=\"no-tlsrpt\">No TLS-RPT (RFC 8460) data for \(DashboardHTML.escape(domain)): "
                + "no TLS report about this domain has been received.</p>"
        }
        let reports = policies.reduce(0) { $0 + $1.reports }
        let reporters = policies.reduce(into: Set<String>()) { $0.formUnion($1.reporters) }
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        var html = "<p id=\"tlsrpt-total\">\(count(reports, "TLS report")) from \(count(reporters.count, "reporter")) over the last \(days) days.</p>"
        html += "<table id=\"tls-policies\"><thead><tr><th>Policy</th><th>MX hosts</th><th>Successful sessions</th>"
        html += "<th>Failed sessions</th><th>Failures by type</th></tr></thead><tbody>"
        for policy in policies {
            let failures = policy.failures.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\(DashboardHTML.escape($0.key)): \($0.value)" }.joined(separator: ", ")
            html += "<tr\(policy.failed > 0 ? " class=\"failing\"" : "")><td>\(DashboardHTML.escape(policy.policyType))</td>"
            html += "<td>\(DashboardHTML.escape(policy.mxHosts.joined(separator: " ")))</td><td class=\"n\">\(policy.successful)</td>"
            html += "<td class=\"n\">\(policy.failed)</td><td>\(failures.isEmpty ? "none" : failures)</td></tr>"
        }
        return html + "</tbody></table>"
    }
}
