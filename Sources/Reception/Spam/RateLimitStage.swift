// Per-IP and per-sender rate limits on port 25 (`[rate]`). Reply codes (RFC 5321):
// - too many connections: 421 4.7.0 at the greeting, and the connection closes (§3.1, §4.2.2:
//   421 is "service not available, closing transmission channel", the client retries later);
// - too many messages from one address: 451 4.7.1 to MAIL (§4.2.2 "requested action aborted",
//   a transient refusal of this transaction only; the session stays usable);
// - too many recipients from one sender: 451 4.7.1 to RCPT (the other recipients stand; 452 is
//   reserved for "too many recipients" in one transaction, §4.5.3.1.10).
// RFC 3463 §3.8: X.7.0 other security or policy status, X.7.1 delivery not authorized.

import DNSMessage
import Foundation
import SMTPProtocol

public struct RateLimitPolicy: Sendable {
    public enum RecipientKey: String, Sendable { case domain, address }

    /// 0 turns a limit off.
    public var connectionsPerMinute: Int
    public var messagesPerHour: Int
    public var recipientsPerHour: Int
    /// Recipients are counted per sender domain (`domain`) or per address (`address`).
    public var recipientKey: RecipientKey
    /// Addresses are grouped into networks of these sizes for the per-IP limits.
    public var ipv4Prefix: Int
    public var ipv6Prefix: Int
    public var rules: SMTPRules

    public init(connectionsPerMinute: Int = 0, messagesPerHour: Int = 0, recipientsPerHour: Int = 0, recipientKey: RecipientKey = .domain,
                ipv4Prefix: Int = 32, ipv6Prefix: Int = 64, rules: SMTPRules = SMTPRules()) {
        self.connectionsPerMinute = connectionsPerMinute
        self.messagesPerHour = messagesPerHour
        self.recipientsPerHour = recipientsPerHour
        self.recipientKey = recipientKey
        self.ipv4Prefix = ipv4Prefix
        self.ipv6Prefix = ipv6Prefix
        self.rules = rules
    }
}

public struct RateLimitStage: ReceptionStage {
    public let policy: RateLimitPolicy
    public let counters: ReceptionCounters
    let connections: RateLimiter
    let messages: RateLimiter
    let recipients: RateLimiter
    /// The counts shared with the other nodes of a cluster; the three limiters above count in
    /// the process when there are none (one node) or when they fail (`SharedRateCounts`).
    let shared: SharedRateCounts?
    let now: @Sendable () -> Date
    public var name: String { "rate-limit" }

    public var phases: ReceptionPhases {
        var phases: ReceptionPhases = []
        if policy.connectionsPerMinute > 0 { phases.insert(.connection) }
        if policy.messagesPerHour > 0 { phases.insert(.mailFrom) }
        if policy.recipientsPerHour > 0 { phases.insert(.recipient) }
        return phases
    }

    public init(policy: RateLimitPolicy, maxKeys: Int = 100_000, counters: ReceptionCounters = .none,
                now: @escaping @Sendable () -> Date = Date.init, shared: SharedRateCounts? = nil) {
        self.policy = policy
        self.counters = counters
        self.shared = shared
        self.now = now
        connections = RateLimiter(window: 60, maxKeys: maxKeys, now: now)
        messages = RateLimiter(window: 3600, maxKeys: maxKeys, now: now)
        recipients = RateLimiter(window: 3600, maxKeys: maxKeys, now: now)
    }

    func networkKey(_ client: ReceptionClient) -> String? {
        guard client.isInbound, !policy.rules.isAllowed(client), let address = client.ipAddress else { return nil }
        return IPNetwork.key(of: address, ipv4Prefix: policy.ipv4Prefix, ipv6Prefix: policy.ipv6Prefix)
    }

    public func connection(_ client: ReceptionClient) async -> ReceptionVerdict {
        guard policy.connectionsPerMinute > 0, let key = networkKey(client) else { return .accept }
        guard await admit(connections, "connections", key, limit: policy.connectionsPerMinute) else {
            return refuse("connections", 421, SMTPEnhancedStatusCode(4, 7, 0)!, "Too many connections from your network, try again later", key)
        }
        return .accept
    }

    public func mailFrom(_ transaction: inout ReceptionTransaction, client: ReceptionClient) async -> ReceptionVerdict {
        guard policy.messagesPerHour > 0, let key = networkKey(client) else { return .accept }
        guard await admit(messages, "messages", key, limit: policy.messagesPerHour) else {
            return refuse("messages", 451, SMTPEnhancedStatusCode(4, 7, 1)!, "Too many messages from your network, try again later", key)
        }
        return .accept
    }

    public func recipient(_ recipient: inout ReceptionRecipient, transaction: ReceptionTransaction,
                          client: ReceptionClient) async -> ReceptionVerdict {
        guard policy.recipientsPerHour > 0, let network = networkKey(client) else { return .accept }
        // The null reverse-path (bounces) has no sender to count: its network stands in for it,
        // so one flood of bounces does not stop everyone's.
        let key: String
        if let sender = transaction.mailFrom {
            key = policy.recipientKey == .domain ? sender.domain.name : sender.canonical
        } else {
            key = "<>@" + network
        }
        guard await admit(recipients, "recipients", key, limit: policy.recipientsPerHour) else {
            return refuse("recipients", 451, SMTPEnhancedStatusCode(4, 7, 1)!, "Too many recipients from this sender, try again later", key)
        }
        return .accept
    }

    /// One event for `key`: counted by the shared store when there is one and it answers, else
    /// by this node's limiter.
    private func admit(_ local: RateLimiter, _ scope: String, _ key: String, limit: Int) async -> Bool {
        if let shared, let admitted = await shared.admit(scope: scope, key: key, limit: limit, window: local.window, now: now()) {
            return admitted
        }
        return await local.admit(key, limit: limit)
    }

    private func refuse(_ limit: String, _ code: Int, _ enhanced: SMTPEnhancedStatusCode, _ text: String, _ key: String) -> ReceptionVerdict {
        counters.increment(ReceptionCounters.rateLimited, [("limit", limit)])
        counters.increment(ReceptionCounters.refusals, [("stage", "rate_limit"), ("code", "\(code)")])
        return .defer(ReceptionRefusal(code, enhanced, text, cause: "rate limit \(limit) for \(key)"))
    }
}
