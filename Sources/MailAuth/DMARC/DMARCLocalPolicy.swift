// What this receiver does with a DMARC verdict (RFC 9989 §5.3.6, §5.4: final handling is local
// policy). The Domain Owner's evaluated policy is mapped through the operator's `[dmarc]` keys;
// trusted forwarders are exempt, and the override is kept for RFC 9990 reports (PolicyOverride).

import DNSMessage

/// What happens to the message.
public enum DMARCAction: String, Sendable, Hashable, Codable {
    /// Deliver as usual.
    case none
    /// Deliver into the recipient's Junk mailbox.
    case quarantine
    /// Refuse at the end of DATA with 550 5.7.1.
    case reject
    /// Answer 451 4.7.5 so the sender retries (temperror with `temperror = "defer"`).
    case `defer`
}

/// RFC 9990 PolicyOverrideType values this receiver uses.
public enum DMARCOverrideReason: String, Sendable, Hashable, Codable {
    case trustedForwarder = "trusted_forwarder"
    case localPolicy = "local_policy"
    case policyTestMode = "policy_test_mode"
}

public struct DMARCDisposition: Sendable, Hashable {
    public var action: DMARCAction
    public var override: DMARCOverrideReason?
    public var comment: String?

    public init(action: DMARCAction, override: DMARCOverrideReason? = nil, comment: String? = nil) {
        self.action = action
        self.override = override
        self.comment = comment
    }
}

/// The `[dmarc]` configuration keys that decide the action.
public struct DMARCLocalPolicy: Sendable {
    /// `reject`: what a failing message under p=reject gets (reject, quarantine or none).
    public var onReject: DMARCAction
    /// `quarantine`: what a failing message under p=quarantine gets (quarantine or none).
    public var onQuarantine: DMARCAction
    /// `temperror`: none (accept) or defer.
    public var onTemperror: DMARCAction
    /// `trusted_forwarders`: client networks ("192.0.2.0/24", "2001:db8::/32", single addresses)
    /// and domains; a domain matches the SPF-passing MAIL FROM domain or a passing DKIM d=,
    /// itself or a parent domain.
    public var trustedNetworks: [(address: IPAddress, prefix: Int)]
    public var trustedDomains: [String]
    /// `trusted_arc_sealers`: a failing message whose ARC chain passed (RFC 8617) with the newest
    /// seal from one of these domains (or a subdomain) is delivered normally: the forwarder's
    /// recorded verdict is believed.
    public var trustedARCSealers: [String]

    public init(onReject: DMARCAction = .reject, onQuarantine: DMARCAction = .quarantine, onTemperror: DMARCAction = .none,
                trustedForwarders: [String] = [], trustedARCSealers: [String] = []) {
        self.onReject = onReject
        self.onQuarantine = onQuarantine
        self.onTemperror = onTemperror
        self.trustedNetworks = []
        self.trustedDomains = []
        self.trustedARCSealers = trustedARCSealers.map { $0.lowercased() }
        for entry in trustedForwarders {
            if let network = Self.network(entry) { trustedNetworks.append(network) } else { trustedDomains.append(entry.lowercased()) }
        }
    }

    /// A `trusted-forwarders` entry: an address, a network, or a domain name.
    public static func isValidForwarder(_ entry: String) -> Bool {
        if network(entry) != nil { return true }
        guard !entry.contains("/"), !entry.contains(":") else { return false }
        let labels = entry.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }

    /// "addr" or "addr/prefix".
    static func network(_ text: String) -> (address: IPAddress, prefix: Int)? {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let address = IPAddress(first) else { return nil }
        let full = if case .v4 = address { 32 } else { 128 }
        guard parts.count == 2 else { return (address, full) }
        guard let prefix = Int(parts[1]), prefix >= 0, prefix <= full else { return nil }
        return (address, prefix)
    }

    /// The identities of the client and the message that trusted-forwarder domains are matched with.
    public struct Client: Sendable {
        public var ip: IPAddress?
        /// Authenticated domains: the SPF-passing MAIL FROM domain, passing DKIM d=.
        public var domains: [String]
        /// The newest sealer of an ARC chain that passed.
        public var arcSealer: String?
        public init(ip: IPAddress?, domains: [String], arcSealer: String? = nil) {
            self.ip = ip
            self.domains = domains
            self.arcSealer = arcSealer
        }
    }

    static func matches(_ domain: String, _ list: [String]) -> Bool {
        let domain = domain.lowercased()
        return list.contains { domain == $0 || domain.hasSuffix("." + $0) }
    }

    public func isTrusted(_ client: Client) -> Bool {
        if let ip = client.ip, trustedNetworks.contains(where: { ip.matches($0.address, prefix: $0.prefix) }) { return true }
        return client.domains.contains { Self.matches($0, trustedDomains) }
    }

    public func disposition(for outcome: DMARCOutcome, client: Client) -> DMARCDisposition {
        switch outcome.result {
        case .pass, .none, .permerror:
            return DMARCDisposition(action: .none)
        case .temperror:
            return DMARCDisposition(action: onTemperror == .defer ? .defer : .none)
        case .fail:
            let wanted: DMARCAction = switch outcome.evaluatedPolicy {
            case .none: .none
            case .quarantine: onQuarantine == .none ? .none : .quarantine
            case .reject: onReject
            }
            guard wanted != .none else {
                return outcome.evaluatedPolicy == .none ? DMARCDisposition(action: .none, override: testModeOverride(outcome))
                    : DMARCDisposition(action: .none, override: .localPolicy, comment: "policy not enforced by local configuration")
            }
            if isTrusted(client) {
                return DMARCDisposition(action: .none, override: .trustedForwarder, comment: "trusted forwarder")
            }
            if let sealer = client.arcSealer, Self.matches(sealer, trustedARCSealers) {
                return DMARCDisposition(action: .none, override: .trustedForwarder, comment: "ARC chain sealed by \(sealer) passed")
            }
            let override: DMARCOverrideReason? = (wanted == .quarantine && outcome.evaluatedPolicy == .reject) ? .localPolicy : nil
            return DMARCDisposition(action: wanted, override: override ?? testModeOverride(outcome))
        }
    }

    /// RFC 9990 policy_test_mode: t=y lowered the requested policy.
    func testModeOverride(_ outcome: DMARCOutcome) -> DMARCOverrideReason? {
        guard let deciding = outcome.deciding, deciding.record?.testing == true,
              let requested = deciding.requestedPolicy, outcome.evaluatedPolicy < requested else { return nil }
        return .policyTestMode
    }
}
