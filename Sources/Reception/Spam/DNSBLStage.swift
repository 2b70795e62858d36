// DNSBL and DNSWL for the connecting address (RFC 5782 §2.1, §2.4) on the MX listener: a
// listing in a `reject` zone refuses the client with 554 5.7.1 naming the zone (at connect or
// at RCPT, `spam.dnsbl_reject_at`); every listing becomes a signal of the risk assessment
// (`dnsbl-listed`, and `dnswl-listed` whose weight is subtracted). Nothing is queried unless
// the operator configured a zone: there is no default list.

import DNSMessage
import RiskAssessment
import SMTPProtocol

public struct DNSListPolicy: Sendable {
    public enum RejectPhase: String, Sendable { case connect, rcpt }
    /// What a failed lookup (SERVFAIL, timeout) in a `reject` zone does: nothing (`skip`, the
    /// mail is judged without that zone), or 451 4.4.3 so the client retries (`defer`). A DNS
    /// failure never rejects mail.
    public enum ErrorAction: String, Sendable { case skip, `defer` }

    public let checker: BlocklistChecker
    public var blocklists: [BlocklistZone]
    public var allowlists: [BlocklistZone]
    public var rejectAt: RejectPhase
    public var dnsError: ErrorAction
    /// `allow` rules of `[[smtp.rules]]` skip the lists.
    public var rules: SMTPRules

    public init(checker: BlocklistChecker, blocklists: [BlocklistZone], allowlists: [BlocklistZone] = [],
                rejectAt: RejectPhase = .rcpt, dnsError: ErrorAction = .skip, rules: SMTPRules = SMTPRules()) {
        self.checker = checker
        self.blocklists = blocklists
        self.allowlists = allowlists
        self.rejectAt = rejectAt
        self.dnsError = dnsError
        self.rules = rules
    }

    /// Mail from the outside on port 25 whose address the lists may judge.
    func address(of client: ReceptionClient) -> IPAddress? {
        guard client.isInbound, !rules.isAllowed(client) else { return nil }
        return client.ipAddress
    }

    /// The client is on one of the allowlists (it skips greylisting and DNSBL rejection).
    public func isAllowlisted(_ client: ReceptionClient) async -> Bool {
        guard !allowlists.isEmpty, let address = address(of: client) else { return false }
        return await checker.check(address: address, in: allowlists, logger: client.logger).contains { $0.result.isListed }
    }
}

public struct DNSBLStage: ReceptionStage {
    public let policy: DNSListPolicy
    public var name: String { "dnsbl" }

    public init(policy: DNSListPolicy) { self.policy = policy }

    public var phases: ReceptionPhases {
        let rejects = policy.blocklists.contains { $0.action == .reject }
        var phases: ReceptionPhases = [.message]
        if rejects { phases.insert(policy.rejectAt == .connect ? .connection : .recipient) }
        return phases
    }

    public func connection(_ client: ReceptionClient) async -> ReceptionVerdict {
        guard policy.rejectAt == .connect else { return .accept }
        return await refusal(client)
    }

    public func recipient(_ recipient: inout ReceptionRecipient, transaction: ReceptionTransaction,
                          client: ReceptionClient) async -> ReceptionVerdict {
        // A listed sender can still write to postmaster to get off the list (RFC 5321 §4.5.1:
        // mail to postmaster is expected to be accepted).
        guard policy.rejectAt == .rcpt, !recipient.isBarePostmaster, !recipient.address.canonical.hasPrefix("postmaster@") else { return .accept }
        return await refusal(client)
    }

    /// The listings as signals for `Hato-Risk` (the answers come from the checker's cache when
    /// an earlier phase asked).
    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard let address = policy.address(of: client) else { return .accept }
        let listings = await policy.checker.check(address: address, in: policy.blocklists + policy.allowlists, logger: client.logger)
        message.spamSignals += Self.signals(listings)
        return .accept
    }

    /// One `dnsbl-listed` signal weighing the listed zones' weights together, one `dnswl-listed`
    /// with the allowlists' weights subtracted.
    static func signals(_ listings: [BlocklistListing]) -> [RiskSignal] {
        var signals: [RiskSignal] = []
        for (kind, name, sign) in [(BlocklistZone.Kind.dnsbl, RiskSignalName.dnsblListed, 1.0),
                                   (.dnswl, RiskSignalName.dnswlListed, -1.0), (.uribl, RiskSignalName.uriblListed, 1.0)] {
            var weight = 0.0, evidence: [String] = []
            for listing in listings where listing.zone.kind == kind {
                guard case .listed(_, let listedWeight, _) = listing.result else { continue }
                weight += listedWeight
                evidence.append(listing.evidence)
            }
            guard !evidence.isEmpty else { continue }
            signals.append(RiskSignal(name: name, weight: sign * weight, detail: evidence.prefix(5).joined(separator: "; ")))
        }
        return signals
    }

    func refusal(_ client: ReceptionClient) async -> ReceptionVerdict {
        guard let address = policy.address(of: client) else { return .accept }
        let zones = policy.blocklists.filter { $0.action == .reject }
        let listings = await policy.checker.check(address: address, in: zones + policy.allowlists, logger: client.logger)
        if listings.contains(where: { $0.zone.kind == .dnswl && $0.result.isListed }) { return .accept }
        if let listed = listings.first(where: { $0.zone.kind == .dnsbl && $0.result.isListed }) {
            policy.checker.counters.increment(ReceptionCounters.refusals, [("stage", "dnsbl"), ("code", "554")])
            return .reject(ReceptionRefusal(554, SMTPEnhancedStatusCode(5, 7, 1)!,
                                            "Service unavailable; client [\(address.unmappedIPv4)] blocked using \(listed.zone.name)",
                                            cause: "dnsbl \(listed.evidence)"))
        }
        if policy.dnsError == .defer, let failed = listings.first(where: { $0.zone.kind == .dnsbl && $0.result.metricLabel == "error" }) {
            policy.checker.counters.increment(ReceptionCounters.refusals, [("stage", "dnsbl"), ("code", "451")])
            return .defer(ReceptionRefusal(451, SMTPEnhancedStatusCode(4, 4, 3)!, "Temporary DNS failure checking \(failed.zone.name), try again later",
                                           cause: "dnsbl lookup failed in \(failed.zone.name)"))
        }
        return .accept
    }
}
