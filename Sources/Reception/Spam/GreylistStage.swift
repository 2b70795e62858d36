// Greylisting on the MX listener (`[greylist]`): 451 4.7.1 for the first attempt of a triplet,
// at RCPT or after DATA. Never greylisted: authenticated clients and the submission listener,
// `allow` networks of `[[smtp.rules]]`, DNSWL-listed clients, and senders whose domain passed
// SPF/DKIM often enough before (auto-whitelist). A store failure lets the mail through: a
// greylist that cannot remember must not refuse mail.

import Foundation
import MailAuth
import MailStore
import SMTPProtocol

public struct GreylistStage: ReceptionStage {
    public let policy: GreylistPolicy
    public let store: any GreylistStore
    public let lists: DNSListPolicy?
    public let rules: SMTPRules
    public let counters: ReceptionCounters
    let now: @Sendable () -> Date
    let sweeper: GreylistSweeper
    public var name: String { "greylist" }
    public var phases: ReceptionPhases { policy.phase == .rcpt ? [.recipient, .message] : .message }

    public init(policy: GreylistPolicy, store: any GreylistStore, lists: DNSListPolicy? = nil, rules: SMTPRules = SMTPRules(),
                counters: ReceptionCounters = .none, now: @escaping @Sendable () -> Date = Date.init) {
        self.policy = policy
        self.store = store
        self.lists = lists
        self.rules = rules
        self.counters = counters
        self.now = now
        self.sweeper = GreylistSweeper()
    }

    public func recipient(_ recipient: inout ReceptionRecipient, transaction: ReceptionTransaction,
                          client: ReceptionClient) async -> ReceptionVerdict {
        guard policy.phase == .rcpt, await applies(client, transaction: transaction, message: nil) else { return .accept }
        return await check([recipient.address.canonical], transaction: transaction, client: client)
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard client.isInbound else { return .accept }
        await recordPass(transaction, message: message, client: client)
        guard policy.phase == .data, await applies(client, transaction: transaction, message: message) else { return .accept }
        return await check(transaction.recipients.map(\.address.canonical), transaction: transaction, client: client)
    }

    /// Whether greylisting applies to this client and sender at all.
    func applies(_ client: ReceptionClient, transaction: ReceptionTransaction, message: ReceptionMessage?) async -> Bool {
        guard client.isInbound, client.ipAddress != nil else { return false }
        var exemption: String?
        if rules.isAllowed(client) {
            exemption = "smtp.rules allow"
        } else if let lists, await lists.isAllowlisted(client) {
            exemption = "dnswl"
        } else if let domain = authenticatedDomain(transaction, message: message), policy.autoWhitelistPasses > 0 {
            let since = now().addingTimeInterval(-policy.recordLifetime)
            if let passes = try? await store.greylistPasses(domain: domain, since: since), passes >= policy.autoWhitelistPasses {
                exemption = "auto-whitelist \(domain)"
            }
        }
        guard let exemption else { return true }
        counters.increment(ReceptionCounters.greylist, [("result", "whitelisted")])
        client.logger.debug("greylist skipped", metadata: ["why": "\(exemption)"])
        return false
    }

    /// The MAIL FROM domain when this mail authenticates it: SPF pass (known at RCPT), or at
    /// the end of DATA a DKIM pass whose d= is that domain.
    func authenticatedDomain(_ transaction: ReceptionTransaction, message: ReceptionMessage?) -> String? {
        guard let domain = transaction.mailFrom?.domain.name.lowercased() else { return nil }
        if transaction.spf?.result == .pass { return domain }
        if let verdict = message?.authentication, verdict.dkim.contains(where: { $0.result == .pass && $0.domain?.lowercased() == domain }) {
            return domain
        }
        return nil
    }

    /// Counts an authenticated message for the auto-whitelist.
    func recordPass(_ transaction: ReceptionTransaction, message: ReceptionMessage, client: ReceptionClient) async {
        guard policy.autoWhitelistPasses > 0, let domain = authenticatedDomain(transaction, message: message) else { return }
        do { try await store.recordGreylistPass(domain: domain, at: now()) } catch {
            client.logger.warning("greylist: could not record an authenticated sender", metadata: ["error": "\(error)"])
        }
    }

    func check(_ recipients: [String], transaction: ReceptionTransaction, client: ReceptionClient) async -> ReceptionVerdict {
        guard let address = client.ipAddress else { return .accept }
        let time = now()
        await sweep(at: time, client: client)
        let network = IPNetwork.key(of: address, ipv4Prefix: policy.ipv4Prefix, ipv6Prefix: policy.ipv6Prefix)
        var wait: Int?
        for recipient in recipients {
            let triplet = GreylistTriplet(network: network, sender: transaction.mailFrom?.canonical ?? "<>", recipient: recipient)
            do {
                let (decision, record) = Greylist.decide(try await store.greylistRecord(triplet), triplet: triplet, now: time, policy: policy)
                try await store.saveGreylistRecord(record)
                counters.increment(ReceptionCounters.greylist, [("result", decision.rawValue)])
                if !decision.isAccepted { wait = max(wait ?? 0, Greylist.remaining(record, now: time, policy: policy)) }
            } catch {
                client.logger.warning("greylist: store failed; not greylisting", metadata: ["error": "\(error)"])
                return .accept
            }
        }
        guard let wait else { return .accept }
        counters.increment(ReceptionCounters.refusals, [("stage", "greylist"), ("code", "451")])
        return .defer(ReceptionRefusal(451, SMTPEnhancedStatusCode(4, 7, 1)!, "Greylisted, please try again in \(max(wait, 1)) seconds",
                                       cause: "greylist \(network) \(transaction.mailFrom?.canonical ?? "<>")"))
    }

    func sweep(at time: Date, client: ReceptionClient) async {
        guard await sweeper.due(at: time) else { return }
        do {
            let removed = try await store.removeExpiredGreylistEntries(before: time.addingTimeInterval(-policy.recordLifetime))
            if removed > 0 { client.logger.info("greylist: expired entries removed", metadata: ["count": "\(removed)"]) }
        } catch {
            client.logger.warning("greylist: could not remove expired entries", metadata: ["error": "\(error)"])
        }
    }
}

/// Runs the expiry sweep at most once per `SpamLimits.greylistSweepSeconds`.
actor GreylistSweeper {
    private var last: Date?

    func due(at time: Date) -> Bool {
        if let last, time.timeIntervalSince(last) < SpamLimits.greylistSweepSeconds, time >= last { return false }
        last = time
        return true
    }
}
