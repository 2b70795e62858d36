import DNSMessage
import Logging
import MailAuth
import SMTPClient

/// Decides the TLS policy for each MX host: DANE when the MX host set, the host's addresses and
/// its TLSA RRset are DNSSEC-secure (RFC 7672 §2.2), else the domain's MTA-STS policy (RFC 8461;
/// DANE takes precedence, §2), else opportunistic TLS. Needs a validating resolver for DANE:
/// with answers that are never `secure`, DANE never applies.
public struct TransportSecurityPolicy: Sendable {
    public let resolver: any DNSResolving
    /// `delivery.dane`
    public let dane: Bool
    /// `delivery.mta_sts`; nil when off.
    public let mtaSTS: MTASTSPolicyCache?
    let logger: Logger

    public init(resolver: any DNSResolving, dane: Bool, mtaSTS: MTASTSPolicyCache?, logger: Logger) {
        self.resolver = resolver
        self.dane = dane
        self.mtaSTS = mtaSTS
        self.logger = logger
    }

    /// The policy for `host`; throws when the host must not be used now (TLSA lookup failed, or
    /// an enforced MTA-STS policy does not list it), so the next MX is tried and the message
    /// deferred when none is left.
    public func policy(for host: RouteHost, domain: String, addressesSecure: Bool) async throws(RouteFailure) -> DeliveryTLSPolicy {
        try await decide(for: host, domain: domain, addressesSecure: addressesSecure).tls
    }

    /// The policy and what TLS-RPT reports the session under (RFC 8460 §4.4; an MTA-STS policy in
    /// testing mode is reported although delivery ignores it). A thrown failure carries its
    /// RFC 8460 result type when it is one TLS-RPT reports.
    public func decide(for host: RouteHost, domain: String,
                       addressesSecure: Bool) async throws(RouteFailure) -> (tls: DeliveryTLSPolicy, report: TLSReportPolicy) {
        if dane, host.mxSecure, addressesSecure, let authentication = try await tlsa(for: host) {
            logger.info("transport security", metadata: ["host": "\(host.name)", "policy": "\(DeliveryTLSPolicy.dane(authentication))"])
            return (.dane(authentication), .tlsa(authentication.records))
        }
        guard let mtaSTS, let policy = await mtaSTS.policy(for: domain) else { return (.opportunistic, .none) }
        let listed = policy.matches(mx: host.name)
        switch policy.mode {
        case .enforce:
            guard listed else {
                // RFC 8461 §4.1, §5: an MX the enforced policy does not list is not used.
                var failure = RouteFailure(451, "4.7.5", "MTA-STS: \(host.name) is not an MX host the enforced policy of \(domain) allows "
                                           + "(mx: \(policy.mx.joined(separator: ", ")))")
                failure.tlsReport = TLSReportFailure(policy: .sts(policy), result: "validation-failure")
                throw failure
            }
            logger.info("transport security", metadata: ["host": "\(host.name)", "policy": "MTA-STS enforce", "domain": "\(domain)"])
            return (.mtaSTS(policyID: policy.id), .sts(policy))
        case .testing:
            // RFC 8461 §5.2: testing mode delivers as without a policy; failures are only reported.
            if !listed { logger.notice("MTA-STS testing: MX not in the policy", metadata: ["host": "\(host.name)", "domain": "\(domain)"]) }
            return (.opportunistic, .sts(policy))
        case .none:
            return (.opportunistic, .none)
        }
    }

    /// The usable TLSA records at `_<port>._tcp.<host>` (RFC 7672 §2.2.3, RFC 6698 §3), nil when
    /// there are none or they are not secure (then DANE does not apply). A failed lookup makes
    /// the host unusable (RFC 7672 §2.2: it might be an attacker hiding the records).
    func tlsa(for host: RouteHost) async throws(RouteFailure) -> DANEAuthentication? {
        let name = "_\(host.port)._tcp.\(host.name)"
        do {
            let answer = try await resolver.lookup(name, .tlsa)
            guard answer.security == .secure else { return nil }
            let records = answer.records.compactMap { record -> TLSAssociation? in
                guard case .tlsa(let usage, let selector, let matchingType, let data) = record.data else { return nil }
                return TLSAssociation(usage: usage, selector: selector, matchingType: matchingType, data: data)
            }
            guard !records.isEmpty else { return nil }
            // RFC 7672 §2.2.3: the TLSA base domain (after CNAMEs) and the MX host name are both reference names.
            let base = answer.canonicalName.description.split(separator: ".", maxSplits: 2).dropFirst(2).first.map(String.init)
            return DANEAuthentication(records: records, referenceNames: [host.name] + (base.map { [$0] } ?? []))
        } catch {
            if error.isNotFound { return nil }
            var failure = RouteFailure(451, "4.7.5", "DANE: TLSA lookup for \(name) failed: \(error)")
            // RFC 8460 §4.3.2.1: "no valid records were returned from the recursive resolver".
            failure.tlsReport = TLSReportFailure(policy: TLSReportPolicy(type: .tlsa, strings: []), result: "dnssec-invalid")
            throw failure
        }
    }
}
