import MailAuth
import MailStore
import SMTPClient

/// The policy a session is reported under in TLS-RPT (RFC 8460 §4.4 "policy-type", §4.5
/// "policy-string"): the MX host's TLSA records, the domain's MTA-STS policy (testing mode
/// included), or none.
public struct TLSReportPolicy: Sendable, Hashable {
    public var type: TLSSessionResult.PolicyType
    public var strings: [String]
    /// A failure of the policy itself that every session under it reports instead of its own
    /// outcome: the domain publishes MTA-STS but the policy could not be fetched (RFC 8460 §4.3.2.2).
    public var failure: Failure?

    /// An RFC 8460 §4.3 result type and its cause (the "failure-reason-code").
    public struct Failure: Error, Sendable, Hashable {
        public var result: String
        public var reason: String

        public init(result: String, reason: String) {
            self.result = result
            self.reason = reason
        }
    }

    public init(type: TLSSessionResult.PolicyType, strings: [String], failure: Failure? = nil) {
        self.type = type
        self.strings = strings
        self.failure = failure
    }

    public static let none = TLSReportPolicy(type: .noPolicyFound, strings: [])

    /// RFC 8460 §4.5: each TLSA RDATA in presentation form.
    public static func tlsa(_ records: [TLSAssociation]) -> TLSReportPolicy {
        TLSReportPolicy(type: .tlsa, strings: records.map(\.description))
    }

    /// RFC 8460 §4.5: the policy's lines, one "mx:" element per pattern.
    public static func sts(_ policy: RemoteMTASTSPolicy) -> TLSReportPolicy {
        TLSReportPolicy(type: .sts, strings: ["version: STSv1", "mode: \(policy.mode.rawValue)"] + policy.mx.map { "mx: \($0)" }
                            + ["max_age: \(policy.maxAge)"])
    }
}

/// A failure TLS-RPT records: the policy it happened under and its RFC 8460 §4.3 result type.
public struct TLSReportFailure: Sendable, Hashable {
    public var policy: TLSReportPolicy
    public var result: String

    public init(policy: TLSReportPolicy, result: String) {
        self.policy = policy
        self.result = result
    }
}

/// RFC 8460 §4.3 result types for what went wrong while securing a session; nil for failures
/// that are not about TLS (connection refused, timeouts: §4.3.4 transient, not reported).
enum TLSResultType {
    static func of(_ error: SMTPClientError) -> (type: String, reason: String)? {
        switch error {
        case .tlsUnavailable:
            return ("starttls-not-supported", "STARTTLS not offered")
        case .unexpectedReply(let reply, let stage) where stage == .startTLS:
            return ("starttls-not-supported", "STARTTLS refused: \(reply)")
        case .daneAuthenticationFailed(let why):
            // §4.3.2.1: no TLSA record matched; a DANE-TA chain that matched but failed is a certificate problem.
            if why.contains("anchor at depth") { return (certificateProblem(why) ?? "validation-failure", why) }
            return ("tlsa-invalid", why)
        case .tlsHandshakeFailed(let why):
            return (certificateProblem(why) ?? "validation-failure", why)
        default:
            return nil
        }
    }

    /// §4.3.1 from the verifier's or BoringSSL's text.
    static func certificateProblem(_ text: String) -> String? {
        let lower = text.lowercased()
        if lower.contains("expired") || lower.contains("notvalidafter") || lower.contains("not valid after") { return "certificate-expired" }
        if lower.contains("couldn't find") || lower.contains("hostname") || lower.contains("name mismatch") || lower.contains("subjectalternativename") {
            return "certificate-host-mismatch"
        }
        if lower.contains("certificate_verify_failed") || lower.contains("certificate") || lower.contains("issuer") { return "certificate-not-trusted" }
        return nil
    }
}
