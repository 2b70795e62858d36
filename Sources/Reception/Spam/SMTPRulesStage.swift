// Per-IP/CIDR rules for port 25 (`[[smtp.rules]]`): the IP25B-style policy Japanese ISPs use,
// where some networks may not deliver to port 25 at all, some only over TLS, and trusted ones
// skip the other spam controls. Ordered; the first rule whose network holds the client wins.

import DNSMessage
import SMTPProtocol

public struct SMTPRule: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        /// Trusted: no further rule applies, and DNSBL, greylisting and rate limits skip it.
        case allow
        /// Refused at connect with 554 5.7.1 (RFC 5321 §3.1 allows a 554 greeting).
        case deny
        /// MAIL is refused with 530 5.7.0 until STARTTLS (RFC 3207 §4).
        case requireTLS = "require-tls"
    }

    public var network: IPNetwork
    public var action: Action

    public init(network: IPNetwork, action: Action) {
        self.network = network
        self.action = action
    }
}

/// The ordered rules, shared by every spam-control stage (to see `allow`).
public struct SMTPRules: Sendable {
    public var rules: [SMTPRule]

    public init(_ rules: [SMTPRule] = []) { self.rules = rules }

    /// The first rule whose network contains `address`.
    public func match(_ address: IPAddress?) -> SMTPRule? {
        guard let address else { return nil }
        return rules.first { $0.network.contains(address) }
    }

    /// The client is in an `allow` network (it skips the spam controls).
    public func isAllowed(_ client: ReceptionClient) -> Bool {
        match(client.ipAddress)?.action == .allow
    }
}

/// Applies `[[smtp.rules]]` on the MX listener.
public struct SMTPRulesStage: ReceptionStage {
    public let rules: SMTPRules
    public let counters: ReceptionCounters
    public var name: String { "smtp-rules" }
    public var phases: ReceptionPhases { [.connection, .mailFrom] }

    public init(rules: SMTPRules, counters: ReceptionCounters = .none) {
        self.rules = rules
        self.counters = counters
    }

    public func connection(_ client: ReceptionClient) async -> ReceptionVerdict {
        guard client.listener == .mx, let rule = rules.match(client.ipAddress) else { return .accept }
        counters.increment(ReceptionCounters.ruleMatches, [("action", rule.action.rawValue.replacingOccurrences(of: "-", with: "_"))])
        guard rule.action == .deny else { return .accept }
        counters.increment(ReceptionCounters.refusals, [("stage", "smtp_rules"), ("code", "554")])
        return .reject(ReceptionRefusal(554, SMTPEnhancedStatusCode(5, 7, 1)!, "Mail from your network is not accepted here",
                                        cause: "smtp.rules deny \(rule.network)"))
    }

    /// RFC 3207 §4: "530 5.7.0 Must issue a STARTTLS command first" for mail commands before TLS.
    public func mailFrom(_ transaction: inout ReceptionTransaction, client: ReceptionClient) async -> ReceptionVerdict {
        guard client.listener == .mx, client.tls == nil, client.account == nil,
              let rule = rules.match(client.ipAddress), rule.action == .requireTLS else { return .accept }
        counters.increment(ReceptionCounters.refusals, [("stage", "smtp_rules"), ("code", "530")])
        return .reject(ReceptionRefusal(530, SMTPEnhancedStatusCode(5, 7, 0)!, "Must issue a STARTTLS command first",
                                        cause: "smtp.rules require-tls \(rule.network)"))
    }
}
