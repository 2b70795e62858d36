/// An MTA-STS policy (RFC 8461 §3.2), served as `text/plain` at
/// `https://mta-sts.<domain>/.well-known/mta-sts.txt` for every domain Hato receives mail for.
/// The `_mta-sts.<domain>` TXT record that announces it (§3.1) is published by the operator.
public struct MTASTSPolicy: Sendable, Equatable {
    /// RFC 8461 §5: what a sender does when it cannot validate TLS to an MX.
    public enum Mode: String, Sendable, CaseIterable {
        /// Deliver anyway and report (TLS-RPT): the safe first step.
        case testing
        /// Do not deliver to an MX without valid PKIX TLS.
        case enforce
        /// The domain withdraws its policy (§8.3).
        case none
    }

    /// RFC 8461 §3.2: "maximum value of 31557600" seconds (one year).
    public static let maxMaxAge = 31_557_600

    public var mode: Mode
    /// Seconds senders may cache the policy.
    public var maxAge: Int
    /// MX host patterns (`mail.example.com` or `*.example.net`), as A-labels.
    public var mx: [String]

    public init(mode: Mode, maxAge: Int, mx: [String]) {
        self.mode = mode
        self.maxAge = min(max(0, maxAge), Self.maxMaxAge)
        self.mx = mx
    }

    public static let contentType = "text/plain; charset=us-ascii"

    /// The policy text: `version`, `mode`, one `mx` line per pattern, `max_age`, each line
    /// ended with CRLF (§3.2: "CRLF-separated key/value pairs").
    public var text: String {
        var lines = ["version: STSv1", "mode: \(mode.rawValue)"]
        lines += mx.map { "mx: \($0)" }
        lines.append("max_age: \(maxAge)")
        return lines.map { $0 + "\r\n" }.joined()
    }
}
