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
    /// `why` says in words why this policy applies (for `hato queue show` and the log).
    /// `expandedName`: the host's CNAME-expanded name when it is an alias (RFC 7672 §2.2.2).
    public func decide(for host: RouteHost, domain: String, addressesSecure: Bool,
                       expandedName: String? = nil) async throws(RouteFailure) -> (tls: DeliveryTLSPolicy, report: TLSReportPolicy, why: String) {
        let notDANE: String
        if !dane {
            notDANE = "DANE off"
        } else if !host.mxSecure {
            notDANE = "no DANE: MX not DNSSEC-secure"
        } else if !addressesSecure {
            notDANE = "no DANE: addresses of \(host.name) not DNSSEC-secure"
        } else if let found = try await tlsa(for: host, expandedName: expandedName) {
            let (authentication, owner) = found
            let why = "DANE: MX, addresses and \(owner) TLSA DNSSEC-secure (RFC 7672 §2.2)"
            logger.info("transport security", metadata: ["host": "\(host.name)", "policy": "\(DeliveryTLSPolicy.dane(authentication))", "why": "\(why)"])
            return (.dane(authentication), .tlsa(authentication.records), why)
        } else {
            notDANE = "no DANE: no secure usable TLSA at _\(host.port)._tcp.\(host.name)"
        }
        guard let mtaSTS else { return (.opportunistic, .none, "\(notDANE); MTA-STS off") }
        let lookup = await mtaSTS.lookup(domain)
        guard let policy = lookup.policy else {
            // RFC 8460 §4.3.2.2: the domain publishes MTA-STS but no policy could be had; delivery
            // goes on as without one (RFC 8461 §5.1) and each session reports the failure.
            guard let failure = lookup.failure else { return (.opportunistic, .none, "\(notDANE); no MTA-STS policy for \(domain)") }
            let why = "\(notDANE); MTA-STS policy of \(domain) \(lookup.source)"
            logger.info("transport security", metadata: ["host": "\(host.name)", "policy": "opportunistic", "domain": "\(domain)", "why": "\(why)"])
            return (.opportunistic, TLSReportPolicy(type: .sts, strings: [], failure: failure), why)
        }
        let stsWhy = "MTA-STS \(policy.mode.rawValue) policy of \(domain) (id \(policy.id), \(lookup.source))"
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
            let why = "\(notDANE); \(stsWhy) lists \(host.name)"
            logger.info("transport security", metadata: ["host": "\(host.name)", "policy": "MTA-STS enforce", "domain": "\(domain)", "why": "\(why)"])
            return (.mtaSTS(policyID: policy.id), .sts(policy), why)
        case .testing:
            // RFC 8461 §5.2: testing mode delivers as without a policy; failures are only reported.
            if !listed { logger.notice("MTA-STS testing: MX not in the policy", metadata: ["host": "\(host.name)", "domain": "\(domain)"]) }
            return (.opportunistic, .sts(policy), "\(notDANE); \(stsWhy): delivery as without a policy (RFC 8461 §5.2)")
        case .none:
            return (.opportunistic, .none, "\(notDANE); \(stsWhy): no policy")
        }
    }

    /// The usable TLSA records and their owner name, nil when there are none or they are not
    /// secure (then DANE does not apply). For an alias (a secure CNAME chain from the MX host to
    /// `expandedName`) the expanded name's `_<port>._tcp` records come first and the host name's
    /// second, and both names are reference names (RFC 7672 §2.2.2, §3.2.2).
    func tlsa(for host: RouteHost, expandedName: String?) async throws(RouteFailure) -> (DANEAuthentication, String)? {
        if let expandedName, let found = try await tlsa(at: expandedName, port: host.port, referenceNames: [host.name, expandedName]) {
            return found
        }
        return try await tlsa(at: host.name, port: host.port, referenceNames: [host.name])
    }

    /// The usable TLSA records at `_<port>._tcp.<host>` (RFC 7672 §2.2.3, RFC 6698 §3). A failed
    /// lookup makes the host unusable (RFC 7672 §2.2: it might be an attacker hiding the records).
    func tlsa(at hostName: String, port: Int, referenceNames: [String]) async throws(RouteFailure) -> (DANEAuthentication, String)? {
        let name = "_\(port)._tcp.\(hostName)"
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
            return (DANEAuthentication(records: records, referenceNames: referenceNames + (base.map { [$0] } ?? [])), name)
        } catch {
            if error.isNotFound { return nil }
            var failure = RouteFailure(451, "4.7.5", "DANE: TLSA lookup for \(name) failed: \(error)")
            // RFC 8460 §4.3.2.1: "no valid records were returned from the recursive resolver".
            failure.tlsReport = TLSReportFailure(policy: TLSReportPolicy(type: .tlsa, strings: []), result: "dnssec-invalid")
            throw failure
        }
    }
}
