import Foundation
import Logging
import MailStore

/// Counts each outbound session's TLS outcome for TLS-RPT (RFC 8460 §4), in the store by UTC day:
/// one per connection to an MX host (never the relay) under the policy that applied, and the
/// policy failures that kept a host from being used (a bogus TLSA answer). Failures with no TLS
/// cause (refused connections, timeouts) are transient and not reported (§4.3.4); neither are
/// sessions of "TLS-Required: No" messages, TLS-RPT's own reports among them (§3).
struct TLSSessionRecorder: Sendable {
    let store: any MailStore
    let logger: Logger
    let now: @Sendable () -> Date
    /// Longest failure-reason-code kept (the text becomes part of the row's key).
    static let maxReasonLength = 200

    func connected(_ target: DeliveryTarget, domain: String, tlsActive: Bool) async {
        if let failure = target.reportPolicy.failure {
            return await record(domain: domain, host: target.hostname, address: target.address, policy: target.reportPolicy,
                                result: failure.result, reason: failure.reason)
        }
        await record(domain: domain, host: target.hostname, address: target.address, policy: target.reportPolicy,
                     result: tlsActive ? TLSSessionResult.success : "starttls-not-supported", reason: tlsActive ? "" : "STARTTLS not offered")
    }

    func failed(_ target: DeliveryTarget, domain: String, _ error: DeliveryTransportError) async {
        guard let failure = error.tlsFailure else { return }
        // A policy that could not be fetched is the session's failure (RFC 8460 §4.3.2.2).
        let policyFailure = target.reportPolicy.failure
        await record(domain: domain, host: target.hostname, address: target.address, policy: target.reportPolicy,
                     result: policyFailure?.result ?? failure.type, reason: policyFailure?.reason ?? failure.reason)
    }

    func unusable(_ host: RouteHost, domain: String, _ error: RouteFailure) async {
        guard let report = error.tlsReport else { return }
        await record(domain: domain, host: host.name, address: "", policy: report.policy, result: report.result, reason: error.reply.text)
    }

    private func record(domain: String, host: String, address: String, policy: TLSReportPolicy, result: String, reason: String) async {
        let row = TLSSessionResult(day: TLSSessionResult.day(of: now()), policyDomain: domain, policyType: policy.type,
                                   policyStrings: policy.strings, mxHost: host, resultType: result, receivingIP: address,
                                   reasonCode: String(reason.prefix(Self.maxReasonLength)))
        do {
            try await store.recordTLSSession(row)
        } catch {
            logger.warning("TLS-RPT outcome not recorded", metadata: ["domain": "\(domain)", "error": "\(error)"])
        }
    }
}
