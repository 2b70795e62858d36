import DNSMessage
import Foundation
import Reception

/// `[spam]`, `[greylist]`, `[rate]` and `[[smtp.rules]]`, checked and typed (docs/security.md
/// "Spam controls"). Everything is off until configured.
public struct SpamSettings: Sendable {
    public var blocklists: [BlocklistZone]
    public var allowlists: [BlocklistZone]
    public var uriBlocklists: [BlocklistZone]
    public var rejectAt: DNSListPolicy.RejectPhase
    public var dnsError: DNSListPolicy.ErrorAction
    public var uriMaxDomains: Int
    /// nil: greylisting is off.
    public var greylist: GreylistPolicy?
    public var rate: RateLimitPolicy
    public var rateMaxTracked: Int
    public var rules: SMTPRules

    /// The default weights of a listing when an entry gives none (docs/security.md).
    static let defaultBlocklistWeight = 4.0
    static let defaultAllowlistWeight = 2.0

    init(values: [String: ConfigValue]) throws {
        func string(_ path: String) -> String? { if case .string(let s) = values[path] { s } else { nil } }
        func int(_ path: String, _ fallback: Int) -> Int { if case .int(let i) = values[path] { i } else { fallback } }
        func tables(_ path: String) -> [[String: String]] { if case .tables(let t) = values[path] { t } else { [] } }

        blocklists = try tables("spam.dnsbl").map { try Self.zone($0, kind: .dnsbl, path: "spam.dnsbl") }
        allowlists = try tables("spam.dnswl").map { try Self.zone($0, kind: .dnswl, path: "spam.dnswl") }
        uriBlocklists = try tables("spam.uribl").map { try Self.zone($0, kind: .uribl, path: "spam.uribl") }
        rejectAt = DNSListPolicy.RejectPhase(rawValue: string("spam.dnsbl_reject_at") ?? "rcpt") ?? .rcpt
        dnsError = DNSListPolicy.ErrorAction(rawValue: string("spam.dns_error") ?? "skip") ?? .skip
        uriMaxDomains = int("spam.uribl_max_domains", 20)

        if string("greylist.enabled") == "on" {
            var policy = GreylistPolicy()
            policy.delay = TimeInterval(try Self.bounded(int("greylist.delay", 300), 1...86_400, "greylist.delay"))
            policy.retryWindow = TimeInterval(try Self.bounded(int("greylist.retry_window", 172_800), 60...2_592_000, "greylist.retry_window"))
            policy.recordLifetime = TimeInterval(try Self.bounded(int("greylist.record_lifetime", 3_024_000), 3600...31_536_000,
                                                                  "greylist.record_lifetime"))
            policy.phase = GreylistPolicy.Phase(rawValue: string("greylist.at") ?? "rcpt") ?? .rcpt
            policy.ipv4Prefix = int("greylist.ipv4_prefix", 24)
            policy.ipv6Prefix = int("greylist.ipv6_prefix", 64)
            policy.autoWhitelistPasses = int("greylist.auto_whitelist_passes", 5)
            greylist = policy
        } else {
            greylist = nil
        }

        var rules: [SMTPRule] = []
        for entry in tables("smtp.rules") {
            guard let cidr = entry["cidr"], let network = IPNetwork(cidr) else {
                throw ConfigKeyError(path: "smtp.rules", message: "\"\(entry["cidr"] ?? "")\" is not an address or network such as \"203.0.113.0/24\"")
            }
            guard let action = entry["action"].flatMap(SMTPRule.Action.init(rawValue:)) else {
                let known = SMTPRule.Action.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigKeyError(path: "smtp.rules", message: "\(cidr): action \"\(entry["action"] ?? "")\" is not one of \(known)")
            }
            rules.append(SMTPRule(network: network, action: action))
        }
        self.rules = SMTPRules(rules)
        rate = RateLimitPolicy(
            connectionsPerMinute: int("rate.connections_per_minute", 0), messagesPerHour: int("rate.messages_per_hour", 0),
            recipientsPerHour: int("rate.recipients_per_hour", 0),
            recipientKey: RateLimitPolicy.RecipientKey(rawValue: string("rate.recipients_per") ?? "domain") ?? .domain,
            ipv4Prefix: int("rate.ipv4_prefix", 32), ipv6Prefix: int("rate.ipv6_prefix", 64), rules: self.rules)
        rateMaxTracked = int("rate.max_tracked", 100_000)
    }

    /// Any DNS list configured (the stages that query need a resolver).
    public var usesDNSLists: Bool { !blocklists.isEmpty || !allowlists.isEmpty || !uriBlocklists.isEmpty }

    public var limitsRate: Bool { rate.connectionsPerMinute > 0 || rate.messagesPerHour > 0 || rate.recipientsPerHour > 0 }

    static func bounded(_ value: Int, _ range: ClosedRange<Int>, _ path: String) throws -> Int {
        guard range.contains(value) else {
            throw ConfigKeyError(path: path, message: "must be between \(range.lowerBound) and \(range.upperBound) seconds")
        }
        return value
    }

    static func zone(_ entry: [String: String], kind: BlocklistZone.Kind, path: String) throws -> BlocklistZone {
        let text = entry["zone"] ?? ""
        guard let zone = try? DNSName(text), !zone.labels.isEmpty else {
            throw ConfigKeyError(path: path, message: "zone \"\(text)\" is not a domain name such as \"bl.example.org\"")
        }
        var weight = kind == .dnswl ? defaultAllowlistWeight : defaultBlocklistWeight
        if let given = entry["weight"] {
            guard let value = Double(given), value >= 0, value <= 100 else {
                throw ConfigKeyError(path: path, message: "\(text): weight \"\(given)\" is not a number from 0 to 100")
            }
            weight = value
        }
        var action = BlocklistZone.Action.score
        if let given = entry["action"] {
            guard let parsed = BlocklistZone.Action(rawValue: given) else {
                throw ConfigKeyError(path: path, message: "\(text): action \"\(given)\" is not score or reject")
            }
            action = parsed
        }
        var codes: [IPv4Address: BlocklistZone.Code] = [:]
        if let given = entry["codes"] {
            guard let parsed = BlocklistZone.parseCodes(given) else {
                throw ConfigKeyError(path: path, message: "\(text): codes \"\(given)\" is not \"127.0.0.2=meaning[:weight], ...\"")
            }
            codes = parsed
        }
        return BlocklistZone(zone: zone, kind: kind, weight: weight, action: action, codes: codes)
    }
}
