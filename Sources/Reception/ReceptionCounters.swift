// What the reception stages count (docs/metrics.md): the spam controls, the risk verdicts and
// the milters' answers, handed in by whoever composes them (HatoServer gives its Prometheus
// registry through ServerMetrics; tests count in memory). Reception has no metrics backend of
// its own: this is a plain closure.

import Foundation

public struct ReceptionCounters: Sendable {
    /// Counter, labels `kind` (dnsbl, dnswl, uribl), `zone`, `result` (listed, not_listed,
    /// refused, unexpected, error): one per zone query.
    public static let dnsListResults = "hato_dnsbl_results_total"
    /// Counter, labels `stage` (smtp_rules, rate_limit, dnsbl, uribl, greylist) and `code`
    /// (the reply code): connections, commands and messages the spam controls refused.
    public static let refusals = "hato_spam_refusals_total"
    /// Counter, label `action` (allow, deny, require_tls): connections an `[[smtp.rules]]` rule matched.
    public static let ruleMatches = "hato_smtp_rule_matches_total"
    /// Counter, label `limit` (connections, messages, recipients): refusals by a rate limit.
    public static let rateLimited = "hato_rate_limited_total"
    /// Counter, label `result` (new, early, expired, passed, known, whitelisted): greylist decisions per recipient.
    public static let greylist = "hato_greylist_results_total"
    /// Counter, labels `listener` (mx, submission) and `verdict` (clean, suspicious, phishing,
    /// spam): messages the risk stage assessed.
    public static let riskVerdicts = "hato_risk_verdicts_total"
    /// Counter, labels `milter` (its name), `step` (connect, helo, mail, rcpt, message) and
    /// `result` (accept, reject, tempfail, discard, reply, failed): a filter's final answers
    /// (CONTINUE is not counted; `failed` is a filter down, timed out or breaking the protocol).
    public static let milterResults = "hato_milter_results_total"

    private let sink: @Sendable (_ name: String, _ labels: [(String, String)]) -> Void

    public init(_ sink: @escaping @Sendable (_ name: String, _ labels: [(String, String)]) -> Void) {
        self.sink = sink
    }

    /// Counts nothing.
    public static let none = ReceptionCounters { _, _ in }

    public func increment(_ name: String, _ labels: [(String, String)]) { sink(name, labels) }
}

/// Fixed bounds of the spam controls' in-memory state (the configurable ones are in `[spam]`,
/// `[greylist]` and `[rate]`, docs/configuration.md).
public enum SpamLimits {
    /// DNS list answers kept per zone and name (errors are never kept).
    public static let maxCachedAnswers = 10_000
    /// How long a DNS list answer is reused: the lists' own TTLs are usually longer, and a
    /// connection asks again at RCPT and at the end of DATA.
    public static let answerCacheSeconds: TimeInterval = 300
    /// Link domains queried per message in the URI blocklists (`spam.uribl_max_domains` is at most this).
    public static let maxURIDomains = 200
    /// Greylist sweeps of expired records run at most this often.
    public static let greylistSweepSeconds: TimeInterval = 3600
}
