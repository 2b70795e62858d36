import DNSMessage
import Foundation
import MailStore

/// A host to try for a destination, in order: an MX host, the domain itself (implicit MX), or the relay.
public struct RouteHost: Sendable, Equatable {
    public var name: String
    public var port: Int
    public var isRelay: Bool
    /// The domain itself, used because it has no MX records (RFC 5321 §5.1).
    public var isImplicitMX: Bool
    /// The MX RRset (or, for the implicit MX, the proof that there is none) was DNSSEC-secure:
    /// the first condition for DANE (RFC 7672 §2.2.1).
    public var mxSecure: Bool
    public init(name: String, port: Int, isRelay: Bool = false, isImplicitMX: Bool = false, mxSecure: Bool = false) {
        self.name = name
        self.port = port
        self.isRelay = isRelay
        self.isImplicitMX = isImplicitMX
        self.mxSecure = mxSecure
    }
}

/// Why a destination cannot be reached now (transient) or ever (permanent).
public struct RouteFailure: Error, Sendable, Equatable {
    public var reply: DeliveryReply
    public var isPermanent: Bool { reply.isPermanent }
    /// The policy and RFC 8460 result type TLS-RPT records this failure under, when it is a TLS one.
    public var tlsReport: TLSReportFailure?
    public init(_ code: Int, _ enhancedCode: String, _ text: String) {
        reply = DeliveryReply(code: code, enhancedCode: enhancedCode, text: text)
    }
}

/// Turns a recipient domain into the hosts and addresses to try (RFC 5321 §5.1), through
/// `DNSResolving` only: MX records by preference with equal preferences shuffled, the implicit MX
/// when there is none, null MX (RFC 7505) refused at once, every address of a host (IPv6 first,
/// then IPv4). With a relay configured, every destination is the relay.
public struct DeliveryRouter: Sendable {
    public let resolver: any DNSResolving
    public let mxPort: Int
    public let relay: OutboundConfiguration.Relay?
    /// This server's name: an MX pointing at it (and every less preferred one) is dropped (§5.1).
    public let hostname: String
    /// DANE and MTA-STS for MX hosts (docs/transport-security.md); nil: opportunistic TLS only.
    public let transportSecurity: TransportSecurityPolicy?

    public init(resolver: any DNSResolving, mxPort: Int = 25, relay: OutboundConfiguration.Relay? = nil, hostname: String,
                transportSecurity: TransportSecurityPolicy? = nil) {
        self.resolver = resolver
        self.mxPort = mxPort
        self.relay = relay
        self.hostname = hostname.lowercased()
        self.transportSecurity = transportSecurity
    }

    /// The destination key scheduling groups recipients by (one connection serves one destination).
    public func destination(of domain: String) -> String {
        relay.map { "relay:\($0.host):\($0.port)" } ?? domain.lowercased()
    }

    /// The hosts to try for `domain`, most preferred first.
    public func hosts(for domain: String) async throws(RouteFailure) -> [RouteHost] {
        if let relay { return [RouteHost(name: relay.host, port: relay.port, isRelay: true)] }
        let records: [(preference: UInt16, exchange: DNSName)]
        let secure: Bool
        do {
            let answer = try await resolver.lookup(DNSName(domain), .mx)
            secure = answer.security == .secure
            records = answer.records.compactMap { record -> (preference: UInt16, exchange: DNSName)? in
                if case .mx(let preference, let exchange) = record.data { (preference, exchange) } else { nil }
            }.sorted { $0.preference < $1.preference }
        } catch let error as DNSError {
            switch error.kind {
            case .nxdomain: throw RouteFailure(550, "5.1.2", "domain \(domain) does not exist (DNS NXDOMAIN)")
            // RFC 5321 §5.1: no MX records, so the domain itself is the implicit MX.
            case .noData: return [RouteHost(name: domain, port: mxPort, isImplicitMX: true, mxSecure: error.security == .secure)]
            default: throw RouteFailure(451, "4.4.3", "MX lookup for \(domain) failed: \(error)")
            }
        } catch {
            throw RouteFailure(550, "5.1.2", "\(domain) is not a valid domain name")
        }
        // RFC 7505 §3: a single MX with an empty exchange (".") says the domain accepts no mail.
        let real = records.filter { !$0.exchange.isRoot }
        if real.isEmpty {
            throw RouteFailure(556, "5.1.10", "\(domain) does not accept mail (null MX, RFC 7505)")
        }
        var usable = real
        if let own = real.first(where: { $0.exchange.description.lowercased().trimmingSuffixDot == hostname }) {
            usable = real.filter { $0.preference < own.preference }
            if usable.isEmpty {
                throw RouteFailure(550, "5.4.6", "mail for \(domain) loops back to this server (\(hostname) is its best MX)")
            }
        }
        // RFC 5321 §5.1: equal preferences are tried in random order to spread the load.
        var ordered: [RouteHost] = []
        for preference in Set(usable.map(\.preference)).sorted() {
            ordered += usable.filter { $0.preference == preference }.shuffled()
                .map { RouteHost(name: $0.exchange.description.trimmingSuffixDot, port: mxPort, mxSecure: secure) }
        }
        return ordered
    }

    /// The addresses of one host, IPv6 first then IPv4. Throws when there are none: permanently
    /// for the implicit MX of a domain without addresses (§5.1), temporarily otherwise.
    public func targets(for host: RouteHost, implicitMX: Bool = false) async throws(RouteFailure) -> [DeliveryTarget] {
        try await addresses(of: host, implicitMX: implicitMX).targets
    }

    /// The targets of `host` for mail to `domain`, each carrying the TLS policy that applies to
    /// it (DANE, MTA-STS or opportunistic; docs/transport-security.md).
    public func securedTargets(for host: RouteHost, domain: String, requirement: TLSRequirement = .policy) async throws(RouteFailure) -> [DeliveryTarget] {
        let (targets, addressesSecure, expanded) = try await addresses(of: host, implicitMX: host.isImplicitMX)
        // The relay always gets verified TLS; "TLS-Required: No" ignores the domain's policy (RFC 8689 §4.2.2).
        if host.isRelay { return try await relayTargets(targets, host: host, addressesSecure: addressesSecure, expanded: expanded) }
        if requirement == .optional {
            return targets.map { var target = $0; target.why = "TLS-Required: No: the domain's DANE/MTA-STS policies ignored (RFC 8689 §4.2.2)"; return target }
        }
        var policy = DeliveryTLSPolicy.opportunistic
        var report = TLSReportPolicy.none
        var why = "no DANE or MTA-STS lookups configured"
        if let transportSecurity {
            let decided = try await transportSecurity.decide(for: host, domain: domain, addressesSecure: addressesSecure, expandedName: expanded)
            policy = decided.tls
            report = decided.report
            why = decided.why
        }
        if requirement == .required {
            policy = try Self.requireTLSPolicy(policy, host: host, domain: domain, addressesSecure: addressesSecure)
            why = "REQUIRETLS (RFC 8689 §4.2.1); " + why
        }
        return targets.map { var target = $0; target.tls = policy; target.reportPolicy = report; target.why = why; return target }
    }

    /// The relay always gets required TLS. With DANE on, a STARTTLS relay whose addresses and
    /// `_<port>._tcp` TLSA records are DNSSEC-secure is authenticated by those records instead of
    /// the trust roots (RFC 7672 §3: a fixed next hop's TLSA base domain is its host name; CNAMEs
    /// as for MX hosts, §2.2.2); otherwise its certificate is verified as configured.
    func relayTargets(_ targets: [DeliveryTarget], host: RouteHost, addressesSecure: Bool,
                      expanded: String?) async throws(RouteFailure) -> [DeliveryTarget] {
        var tls = DeliveryTLSPolicy.opportunistic
        var why = "the relay: TLS required, certificate verified under the trust roots"
        if let transportSecurity, transportSecurity.dane, relay?.implicitTLS == false, addressesSecure,
           let found = try await transportSecurity.tlsa(for: host, expandedName: expanded),
           !found.0.records.isEmpty {  // all-unusable records would weaken the relay's verified TLS
            tls = .dane(found.0)
            why = "DANE for the relay: addresses and \(found.1) TLSA DNSSEC-secure (RFC 7672 §3)"
        }
        return targets.map { var target = $0; target.tls = tls; target.why = why; return target }
    }

    /// RFC 8689 §4.2.1 steps 2 and 4: the MX must be DNSSEC-validated or listed by an enforced
    /// MTA-STS policy, and the certificate verified by DANE or the trust roots. A host that
    /// cannot be is refused with 5.7.30, so the next MX is tried and the message bounces when none is left.
    static func requireTLSPolicy(_ policy: DeliveryTLSPolicy, host: RouteHost, domain: String,
                                 addressesSecure: Bool) throws(RouteFailure) -> DeliveryTLSPolicy {
        switch policy {
        case .mtaSTS, .verified: return policy
        case .dane(let authentication) where !authentication.records.isEmpty: return policy
        case .dane, .opportunistic:
            if host.mxSecure && addressesSecure { return .verified }
            throw RouteFailure(550, "5.7.30", "REQUIRETLS: \(host.name) is neither DNSSEC-validated nor allowed by an enforced "
                               + "MTA-STS policy of \(domain) (RFC 8689 §4.2.1)")
        }
    }

    /// The targets, whether every address answer was DNSSEC-secure (RFC 7672 §2.2.2: TLSA
    /// records are looked up only then), and the CNAME-expanded name when the host is an alias.
    func addresses(of host: RouteHost, implicitMX: Bool) async throws(RouteFailure) -> (targets: [DeliveryTarget], secure: Bool, expanded: String?) {
        if let literal = IPAddress(host.name) {
            return ([DeliveryTarget(hostname: host.name, address: literal.description, port: host.port, isRelay: host.isRelay)], false, nil)
        }
        let name: DNSName
        do { name = try DNSName(host.name) } catch {
            throw RouteFailure(451, "4.4.3", "\(host.name) is not a valid host name")
        }
        var addresses: [String] = []
        var errors: [DNSError] = []
        var secure = true
        var expanded: String?
        for type in [DNSRecordType.aaaa, .a] {
            do {
                let answer = try await resolver.lookup(name, type)
                secure = secure && answer.security == .secure
                let canonical = answer.canonicalName.description.trimmingSuffixDot.lowercased()
                if !answer.records.isEmpty, canonical != host.name.trimmingSuffixDot.lowercased() { expanded = canonical }
                addresses += answer.records.compactMap { record -> String? in
                    switch record.data {
                    case .a(let address): address.description
                    case .aaaa(let address): address.description
                    default: nil
                    }
                }
            } catch {
                secure = secure && error.security == .secure
                errors.append(error)
            }
        }
        if addresses.isEmpty {
            if implicitMX && errors.allSatisfy(\.isNotFound) {
                throw RouteFailure(550, "5.1.2", "\(host.name) has no MX and no address records")
            }
            throw RouteFailure(451, "4.4.3", "no address for \(host.name): " + errors.map(\.description).joined(separator: "; "))
        }
        return (addresses.map { DeliveryTarget(hostname: host.name, address: $0, port: host.port, isRelay: host.isRelay) }, secure, expanded)
    }
}

extension String {
    var trimmingSuffixDot: String { hasSuffix(".") ? String(dropLast()) : self }
}
