// The assessment: one parsed message and its context in, signals, score and verdict out.
// Pure (no store, no DNS): the reception stage and `hato message assess` gather the context.

import MailCore
import MailMessage

public struct RiskAssessor: Sendable {
    public var policy: RiskPolicy {
        didSet {
            paymentKeywords = Self.searchForms(policy.paymentKeywords)
            paymentKeywordScan = KeywordScan(paymentKeywords.map(\.form))
            executableExtensions = AttachmentCheck.executables(policy)
        }
    }
    public var suffixes: PublicSuffixList {
        didSet { lookalikeMemo = LookalikeMemo() }
    }
    /// The lookalike comparisons of recent messages' trusted lists.
    private var lookalikeMemo = LookalikeMemo()
    /// Known people's names folded for comparison, kept (they repeat in every message), and
    /// each list's index of them while the list stays the same.
    let personNames = PersonNameMemo()
    let vipNames = KnownNamesMemo<KnownPerson>(capacity: 1)
    let userNames = KnownNamesMemo<KnownPerson>(capacity: 1)
    let correspondentNames = KnownNamesMemo<KnownCorrespondent>(capacity: LookalikeMemo.capacity)
    /// `policy.paymentKeywords` with the form the first-contact scan looks for (NFKC,
    /// lower-cased, as the text is), worked out once per policy instead of once per message
    /// (docs/PERFORMANCE.md, issue 24). Keywords whose form is empty are left out: they never match.
    private(set) var paymentKeywords: [(keyword: String, form: String)]
    /// Their forms, scanned for in one pass (`KeywordScan`), in the same order.
    private(set) var paymentKeywordScan: KeywordScan
    /// `policy.executableExtensions` as the attachment check looks them up, likewise once per policy.
    private(set) var executableExtensions: Set<String>

    public init(policy: RiskPolicy = RiskPolicy(), suffixes: PublicSuffixList) {
        self.policy = policy
        self.suffixes = suffixes
        self.paymentKeywords = Self.searchForms(policy.paymentKeywords)
        self.paymentKeywordScan = KeywordScan(paymentKeywords.map(\.form))
        self.executableExtensions = AttachmentCheck.executables(policy)
    }

    static func searchForms(_ keywords: [String]) -> [(keyword: String, form: String)] {
        keywords.compactMap { keyword in
            let form = Confusables.nfkc(keyword).lowercased()
            return form.isEmpty ? nil : (keyword, form)
        }
    }

    /// Assesses `message` (parsed once by the caller) in `context`.
    public func assess(_ message: MIMEMessage, context: RiskContext) -> RiskReport {
        var signals = SignalCollector(policy: policy)
        let lookalikes = lookalikeMemo.lookalikes(trustedDomains(context), suffixes: suffixes)
        let sender = SenderCheck(assessor: self, context: context, lookalikes: lookalikes)
        sender.check(message.header, place: "From", envelope: true, into: &signals)
        var content = ContentCheck(assessor: self)
        content.walk(message.root, message: message, enclosedIn: nil, sender: sender, into: &signals)
        if content.topLevelHasHTML && !content.topLevelHasPlain {
            signals.add(RiskSignalName.htmlOnly, "the message has HTML and no text/plain alternative")
        }
        var checkedDomains: Set<String> = []
        for host in content.html.linkHosts {
            let domain = suffixes.registrableDomain(of: host) ?? host
            guard checkedDomains.count < 50, checkedDomains.insert(domain).inserted else { continue }
            if let evidence = lookalikes.resemblance(of: host) { signals.add(RiskSignalName.lookalikeDomain, "a link: \(evidence)") }
        }
        if context.inbound {
            sender.firstContact(message, knownText: content.knownText, into: &signals)
            if let domain = sender.fromDomain(message.header), !sender.isOurs(domain) {
                signals.add(RiskSignalName.externalSender, "From \(domain) is outside the organisation")
            }
        }
        authenticationSignals(context, into: &signals)
        let finished = signals.finished + context.externalSignals.filter { external in !signals.contains(external.name) }
        let (verdict, score) = policy.verdict(for: finished)
        return RiskReport(verdict: verdict, score: score, signals: finished, authentication: context.authentication)
    }

    /// The hosts the message's links go to (HTML and text parts, enclosed messages included),
    /// in order, without repeats, at most `policy.limits.maxLinks`: the same extraction the
    /// assessment runs, for the URI blocklist lookups of the spam controls.
    public func linkHosts(in message: MIMEMessage) -> [String] {
        var signals = SignalCollector(policy: policy)
        let context = RiskContext()
        let sender = SenderCheck(assessor: self, context: context, lookalikes: LookalikeDomains(suffixes: suffixes, trusted: []))
        var content = ContentCheck(assessor: self)
        content.walk(message.root, message: message, enclosedIn: nil, sender: sender, into: &signals)
        return content.html.linkHosts
    }

    /// Our domains, partners, VIPs' and correspondents' domains: what a lookalike imitates.
    func trustedDomains(_ context: RiskContext) -> [TrustedDomain] {
        var trusted = context.ourDomains.map { TrustedDomain(name: $0, reason: "our domain") }
        trusted += context.partnerDomains.map { TrustedDomain(name: $0, reason: "a partner") }
        trusted += context.vips.map { TrustedDomain(name: $0.domain, reason: "VIP \($0.name)") }
        trusted += context.correspondents.map { TrustedDomain(lowercased: $0.domain, reason: "a correspondent") }
        return trusted.filter { !$0.name.isEmpty }
    }

    /// DMARC fail (unless a passing ARC chain vouches for a forwarder), DMARC none or error for
    /// a domain that usually passes, and a broken ARC chain.
    func authenticationSignals(_ context: RiskContext, into signals: inout SignalCollector) {
        guard context.inbound, let auth = context.authentication else { return }
        let domain = auth.fromDomain ?? "the From domain"
        switch auth.dmarc {
        case "fail":
            if auth.arc != "pass" {
                signals.add(RiskSignalName.dmarcFail, "DMARC fail for \(domain) (policy \(auth.dmarcPolicy))")
            }
        case "pass":
            break
        default:
            if context.authorDomainUsuallyPasses {
                signals.add(RiskSignalName.dmarcFail, "DMARC \(auth.dmarc) for \(domain), which usually passes")
            }
        }
        if auth.arc == "fail" { signals.add(RiskSignalName.arcFail, "the ARC chain is broken") }
    }
}
