// URI blocklists (URIBL/SURBL-style, RFC 5782 §2.3) for the domains the message's links go to:
// the hosts come from the risk assessment's own HTML and text link extraction, reduced to their
// registrable domains (the public suffix list), and each is queried in every `[[spam.uribl]]`
// zone. A listing becomes `uribl-listed` in Hato-Risk, or refuses the message at the end of
// DATA with 554 5.7.1 naming the zone when the zone's action is `reject`.
//
// The link extraction runs once more for this stage (the assessment itself is pure and does not
// query DNS); only when a URI zone is configured, and within the assessment's HTML limits.

import MailCore
import RiskAssessment
import SMTPProtocol

public struct URIBLStage: ReceptionStage {
    public let checker: BlocklistChecker
    public let zones: [BlocklistZone]
    /// The assessor whose link extraction and public suffix list are used.
    public let assessor: RiskAssessor
    /// Registrable domains queried per message (`spam.uribl_max_domains`).
    public let maxDomains: Int
    public let rules: SMTPRules
    public var name: String { "uribl" }
    public var phases: ReceptionPhases { .message }

    public init(checker: BlocklistChecker, zones: [BlocklistZone], assessor: RiskAssessor, maxDomains: Int = 20, rules: SMTPRules = SMTPRules()) {
        self.checker = checker
        self.zones = zones
        self.assessor = assessor
        self.maxDomains = max(1, min(maxDomains, SpamLimits.maxURIDomains))
        self.rules = rules
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard client.isInbound, !zones.isEmpty, !rules.isAllowed(client) else { return .accept }
        let domains = linkDomains(message)
        guard !domains.isEmpty else { return .accept }
        let listings = await checker.check(domains: domains, in: zones, logger: client.logger)
        if let listed = listings.first(where: { $0.result.isListed && $0.zone.action == .reject }) {
            checker.counters.increment(ReceptionCounters.refusals, [("stage", "uribl"), ("code", "554")])
            return .reject(ReceptionRefusal(554, SMTPEnhancedStatusCode(5, 7, 1)!,
                                            "Message refused: it links to \(listed.subject), listed by \(listed.zone.name)",
                                            cause: "uribl \(listed.evidence)"))
        }
        message.spamSignals += DNSBLStage.signals(listings)
        return .accept
    }

    /// The registrable domains of the link hosts, in order, without repeats or IP literals.
    func linkDomains(_ message: ReceptionMessage) -> [String] {
        var domains: [String] = []
        for host in assessor.linkHosts(in: message.content.parsed) where domains.count < maxDomains {
            guard !host.hasPrefix("["), !host.allSatisfy({ $0.isNumber || $0 == "." }) else { continue }
            let registrable = assessor.suffixes.registrableDomain(of: host) ?? host
            // An IDN link is listed under its A-labels (xn--), the form DNS lists hold.
            let domain = (try? Domain(registrable))?.name ?? registrable
            if !domains.contains(domain) { domains.append(domain) }
        }
        return domains
    }
}
