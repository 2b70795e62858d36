import Logging
import Reception
import RiskAssessment

enum RiskSetup {
    /// The risk stage's policy from `[risk]`, with the public suffix list read once; a missing
    /// list is warned about and the assessment falls back to the default rule (last label).
    static func stagePolicy(_ settings: HatoConfig, logger: Logger) -> RiskStagePolicy? {
        guard settings.risk.assess else { return nil }
        let suffixes = settings.risk.loadSuffixes() ?? {
            logger.warning("cannot read the public suffix list; lookalike and link checks treat the last label as the suffix (install publicsuffix)",
                           metadata: ["path": "\(settings.risk.publicSuffixList.path)"])
            return PublicSuffixList.defaultRuleOnly
        }()
        return settings.risk.stagePolicy(suffixes: suffixes)
    }
}
