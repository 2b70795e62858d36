/// What RFC 5235's spamtest, spamtestplus and virustest report: the receiving server's own
/// assessment of the message, worked out before the script runs (docs/sieve.md "Spam and virus
/// tests"). The delivery decides which inputs it trusts; this type only maps them to the scales.
public struct SieveAssessment: Sendable, Equatable {
    /// How likely the message is spam, from 0 (clear) to 1 (certainly spam); nil: not tested
    /// (RFC 5235 §3.1 value "0").
    public var spamRatio: Double?
    /// RFC 5235 §3.3: 0 not tested, 1 no known virus, 2 replaced, 3 cured, 4 possibly, 5 definitely.
    public var virusLevel: Int

    public init(spamRatio: Double? = nil, virusLevel: Int = 0) {
        self.spamRatio = spamRatio.map { min(max($0, 0), 1) }
        self.virusLevel = min(max(virusLevel, 0), 5)
    }

    /// RFC 5235 §3.1: "0" not tested, "1" (clear) to "10" (certainly spam). The ratio is spread over
    /// 1-10 as Pigeonhole does (ratio × 9 + 1, rounded down), so both agree on the same score.
    public var spamtest: String {
        guard let ratio = spamRatio else { return "0" }
        return String(Int(ratio * 9 + 1.001))
    }

    /// RFC 5235 §3.2 (spamtestplus `:percent`): 0-100; not tested is "0" too (§3.2: use spamtest
    /// without :percent to tell the two apart).
    public var spamtestPercent: String {
        guard let ratio = spamRatio else { return "0" }
        return String(Int(ratio * 100 + 0.001))
    }

    public var virustest: String { String(virusLevel) }

    /// The more alarming of two assessments of the same message (Hato's and a content filter's).
    public func combined(with other: SieveAssessment) -> SieveAssessment {
        let ratio: Double? = switch (spamRatio, other.spamRatio) {
        case (nil, nil): nil
        case (let a?, nil): a
        case (nil, let b?): b
        case (let a?, let b?): max(a, b)
        }
        return SieveAssessment(spamRatio: ratio, virusLevel: max(virusLevel, other.virusLevel))
    }
}
