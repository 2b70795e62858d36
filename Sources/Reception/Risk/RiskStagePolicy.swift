// What the risk stage does with a verdict (`[risk]` in hato.toml, docs/security.md).

import RiskAssessment

/// What happens to a message of one verdict.
public enum RiskDisposition: String, Sendable, CaseIterable {
    /// Delivered as it is (with `Hato-Risk` and keywords).
    case deliver
    /// Delivered with the verdict's subject tag (`risk.tag_suspicious`, ...).
    case tag
    /// Delivered to the Junk mailbox with `$Junk`.
    case junk
    /// Held in the quarantine only the administrator sees (`hato quarantine list`).
    case quarantine
    /// Refused at the end of DATA with 550 5.7.1 and the signals.
    case reject
}

/// The risk stage's configuration: the assessor and what each verdict leads to.
public struct RiskStagePolicy: Sendable {
    public var assessor: RiskAssessor
    /// Assess mail from authenticated users too (outbound abuse); correspondents are recorded either way.
    public var assessSubmission = false
    public var dispositions: [RiskVerdict: RiskDisposition] = [.clean: .deliver, .suspicious: .tag, .phishing: .quarantine, .spam: .junk]
    /// Subject prefixes for the `tag` disposition, per verdict.
    public var tags: [RiskVerdict: String] = [.suspicious: "[SUSPICIOUS]", .phishing: "[PHISHING]", .spam: "[SPAM]"]
    /// Subject prefix for any delivered mail from outside the organisation ("[外部]"); nil: none.
    public var externalTag: String?
    /// `risk.partner_domains` and `risk.vip_names`.
    public var partnerDomains: [String] = []
    public var vips: [KnownPerson] = []
    /// Keep the correspondents record (submitted mail and replies).
    public var recordCorrespondents = true
    /// Correspondents read per local recipient.
    public var correspondentLimit = 1000
    /// How long local users' names and an account's correspondents read from the store are used
    /// for later messages (`risk.correspondents_cache`); the stage's own records update them at
    /// once, changes made elsewhere show when it runs out. Zero: read for every message.
    public var memoryLifetime: Duration = .seconds(30)

    public init(assessor: RiskAssessor) {
        self.assessor = assessor
    }

    public func disposition(_ verdict: RiskVerdict) -> RiskDisposition { dispositions[verdict] ?? .deliver }
}
