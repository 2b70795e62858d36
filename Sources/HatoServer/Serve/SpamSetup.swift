import DNSMessage
import Logging
import MailStore
import MailStorePostgres
import Reception
import RiskAssessment
import ServerRuntime

/// The spam-control stages of the smtp listener from `[spam]`, `[greylist]`, `[rate]` and
/// `[[smtp.rules]]` (docs/security.md "Spam controls"), in the order their checks compose:
/// rules first (deny/allow decide before anything is counted or queried), then rate limits
/// (cheap, before DNS), DNS lists, greylisting (after the lists: a DNSWL listing skips it), and
/// the URI lists before the risk stage that writes their signals into Hato-Risk.
enum SpamSetup {
    static func stages(_ settings: HatoConfig, store: any MailStore, resolver: (any DNSResolving)?, risk: RiskStagePolicy?,
                       metrics: ServerMetrics, logger: Logger) -> [any ReceptionStage] {
        let spam = settings.spam
        let counters = ReceptionCounters { name, labels in metrics.increment(name, labels) }
        var stages: [any ReceptionStage] = []
        if !spam.rules.rules.isEmpty { stages.append(SMTPRulesStage(rules: spam.rules, counters: counters)) }
        if spam.limitsRate {
            // On the shared PostgreSQL store every node counts in the same rows (docs/scaling.md).
            let shared = (store as? PostgresMailStore).map {
                SharedRateCounts(store: PostgresRateCounters(store: $0, maxKeys: spam.rateMaxTracked), logger: logger)
            }
            stages.append(RateLimitStage(policy: spam.rate, maxKeys: spam.rateMaxTracked, counters: counters, shared: shared))
        }
        var checker: BlocklistChecker?
        if spam.usesDNSLists {
            if let resolver {
                checker = BlocklistChecker(resolver: resolver, counters: counters)
            } else {
                logger.warning("no DNS resolver: the DNS lists of [spam] are not queried")
            }
        }
        var lists: DNSListPolicy?
        if let checker, !spam.blocklists.isEmpty || !spam.allowlists.isEmpty {
            let policy = DNSListPolicy(checker: checker, blocklists: spam.blocklists, allowlists: spam.allowlists,
                                       rejectAt: spam.rejectAt, dnsError: spam.dnsError, rules: spam.rules)
            lists = policy
            stages.append(DNSBLStage(policy: policy))
        }
        if let greylist = spam.greylist {
            stages.append(GreylistStage(policy: greylist, store: store, lists: lists, rules: spam.rules, counters: counters))
        }
        if let checker, !spam.uriBlocklists.isEmpty {
            let assessor = risk?.assessor ?? RiskAssessor(policy: settings.risk.policy, suffixes: settings.risk.loadSuffixes() ?? .defaultRuleOnly)
            stages.append(URIBLStage(checker: checker, zones: spam.uriBlocklists, assessor: assessor, maxDomains: spam.uriMaxDomains,
                                     rules: spam.rules))
        }
        return stages
    }
}
