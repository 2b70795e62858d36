import Foundation
import Reception
import RiskAssessment

/// The `[risk]` keys, checked and typed; `stagePolicy()` builds what the risk stage runs.
public struct RiskSettings: Sendable {
    public var assess: Bool
    public var submission: Bool
    public var dispositions: [RiskVerdict: RiskDisposition]
    public var tags: [RiskVerdict: String]
    public var externalTag: String?
    public var policy: RiskPolicy
    public var partnerDomains: [String]
    public var vips: [KnownPerson]
    public var publicSuffixList: URL
    public var recordCorrespondents: Bool
    public var correspondentsCache: Int

    init(string: (String) -> String?, int: (String) -> Int, list: (String) -> [String]?, url: (String) -> URL?) throws {
        assess = (string("risk.assess") ?? "on") == "on"
        submission = string("risk.submission") == "on"
        var dispositions: [RiskVerdict: RiskDisposition] = [:]
        for verdict in RiskVerdict.allCases {
            dispositions[verdict] = string("risk.\(verdict.rawValue)").flatMap(RiskDisposition.init(rawValue:)) ?? .deliver
        }
        self.dispositions = dispositions
        tags = [.suspicious: string("risk.tag_suspicious") ?? "[SUSPICIOUS]", .phishing: string("risk.tag_phishing") ?? "[PHISHING]",
                .spam: string("risk.tag_spam") ?? "[SPAM]"]
        externalTag = string("risk.tag_external")
        var policy = RiskPolicy()
        policy.suspiciousScore = Double(int("risk.suspicious_score"))
        policy.phishingScore = Double(int("risk.phishing_score"))
        policy.spamScore = Double(int("risk.spam_score"))
        for entry in list("risk.weights") ?? [] {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let weight = Double(parts[1]), weight >= 0, weight <= 100 else {
                throw ConfigKeyError(path: "risk.weights", message: "\"\(entry)\" is not \"signal=weight\" with a weight from 0 to 100")
            }
            guard RiskPolicy.defaultWeights[parts[0]] != nil else {
                let known = RiskPolicy.defaultWeights.keys.sorted().joined(separator: ", ")
                throw ConfigKeyError(path: "risk.weights", message: "unknown signal \"\(parts[0])\" (known: \(known))")
            }
            policy.weights[parts[0]] = weight
        }
        if let keywords = list("risk.payment_keywords") { policy.paymentKeywords = keywords }
        if let extensions = list("risk.executable_extensions") {
            policy.executableExtensions = extensions.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")) }
        }
        policy.limits.maxArchiveEntries = int("risk.max_archive_entries")
        policy.limits.maxArchiveDepth = int("risk.max_archive_depth")
        policy.limits.maxArchiveUncompressedSize = int("risk.max_archive_size")
        policy.limits.maxHTMLBytes = int("risk.max_html_size")
        self.policy = policy
        partnerDomains = (list("risk.partner_domains") ?? []).map { $0.lowercased() }
        var vips: [KnownPerson] = []
        for entry in list("risk.vip_names") ?? [] {
            guard let open = entry.lastIndex(of: "<"), entry.hasSuffix(">"), entry[open...].contains("@") else {
                throw ConfigKeyError(path: "risk.vip_names", message: "\"\(entry)\" is not \"Name <address>\"")
            }
            let name = entry[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            vips.append(KnownPerson(name: name, address: String(entry[entry.index(after: open)..<entry.index(before: entry.endIndex)])))
        }
        self.vips = vips
        publicSuffixList = url("risk.public_suffix_list") ?? URL(fileURLWithPath: PublicSuffixList.debianPath)
        recordCorrespondents = (string("risk.correspondents") ?? "on") == "on"
        correspondentsCache = int("risk.correspondents_cache")
    }

    /// The public suffix list from `risk.public_suffix_list`; nil when it cannot be read (the
    /// caller warns and falls back to the default rule).
    public func loadSuffixes() -> PublicSuffixList? { PublicSuffixList(contentsOf: publicSuffixList.path) }

    /// What the risk stage runs; nil when `risk.assess` is off (the stage then only removes
    /// incoming Hato-Risk fields).
    public func stagePolicy(suffixes: PublicSuffixList) -> RiskStagePolicy? {
        guard assess else { return nil }
        var stage = RiskStagePolicy(assessor: RiskAssessor(policy: policy, suffixes: suffixes))
        stage.assessSubmission = submission
        stage.dispositions = dispositions
        stage.tags = tags
        stage.externalTag = externalTag
        stage.partnerDomains = partnerDomains
        stage.vips = vips
        stage.recordCorrespondents = recordCorrespondents
        stage.memoryLifetime = .seconds(correspondentsCache)
        return stage
    }
}
