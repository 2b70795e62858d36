/// Reading the assessments Hato and its content filters write into header fields (docs/sieve.md
/// "Spam and virus tests"). Each parser takes one field value and returns nil when it is not in
/// the expected form; which fields may be trusted is the caller's decision.
extension SieveAssessment {
    /// Signals of `Hato-Risk` that make a message "possibly" carry a virus (RFC 5235 §3.3 value 4):
    /// executable content, macros, disguised names and archives whose content cannot be checked.
    public static let virusSignals: Set<String> = [
        "executable-attachment", "double-extension", "rtl-override-filename", "macro-document", "encrypted-archive", "archive-bomb",
    ]

    /// The ratio at least given to a message whose verdict is `phishing` or `spam` (spamtest 8, 80%).
    public static let verdictFloor = 0.8

    /// `Hato-Risk: verdict=V; score=S[; signals=a,b]` (docs/security.md "Risk assessment"): the
    /// spam ratio is score / `maxScore` (a negative score is 0, a score over the maximum is 1), at
    /// least 0.8 for the `phishing` and `spam` verdicts; the virus level is 4 with one of
    /// `virusSignals`, else 1 (the attachments were looked at and nothing was found).
    public static func hatoRisk(_ value: String, maxScore: Double) -> SieveAssessment? {
        var verdict: String?, score: Double?, signals: [String] = []
        for item in value.split(separator: ";") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmed(" \t") }
            guard pair.count == 2 else { return nil }
            switch pair[0].lowercased() {
            case "verdict": verdict = pair[1].lowercased()
            case "score": score = decimal(pair[1])
            case "signals": signals = pair[1].split(separator: ",").map { $0.trimmed(" \t").lowercased() }
            default: continue
            }
        }
        guard let verdict, ["clean", "suspicious", "phishing", "spam"].contains(verdict), let score, maxScore > 0 else { return nil }
        var ratio = min(max(score / maxScore, 0), 1)
        if verdict == "phishing" || verdict == "spam" { ratio = max(ratio, verdictFloor) }
        return SieveAssessment(spamRatio: ratio, virusLevel: signals.contains(where: virusSignals.contains) ? 4 : 1)
    }

    /// rspamd's `X-Spamd-Result: default: False [3.50 / 15.00]; SYMBOL(1.00)...`: score over the
    /// reject score between the brackets.
    public static func rspamd(_ value: String) -> SieveAssessment? {
        guard let open = value.firstIndex(of: "["), let close = value[open...].firstIndex(of: "]") else { return nil }
        let numbers = value[value.index(after: open)..<close].split(separator: "/").map { $0.trimmed(" \t") }
        guard numbers.count == 2, let score = decimal(numbers[0]), let required = decimal(numbers[1]), required > 0 else { return nil }
        return SieveAssessment(spamRatio: score / required)
    }

    /// SpamAssassin's `X-Spam-Status: Yes, score=7.6 required=5.0 tests=...`: score over required.
    public static func spamAssassin(_ value: String) -> SieveAssessment? {
        var score: Double?, required: Double?
        for word in value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" || $0 == "\n" }) {
            if word.hasPrefix("score=") { score = decimal(String(word.dropFirst(6))) }
            if word.hasPrefix("required=") { required = decimal(String(word.dropFirst(9))) }
        }
        guard let score, let required, required > 0 else { return nil }
        return SieveAssessment(spamRatio: score / required)
    }

    /// clamav-milter's `X-Virus-Status: Clean` (1) or `Infected (Signature-Name)` (5).
    public static func clamAV(_ value: String) -> SieveAssessment? {
        let word = value.trimmed(" \t").prefix { $0 != " " && $0 != "(" }.lowercased()
        switch word {
        case "clean": return SieveAssessment(virusLevel: 1)
        case "infected": return SieveAssessment(virusLevel: 5)
        default: return nil
        }
    }

    /// A decimal as the headers write it ("-1.6", "11", "0.5"); at most 12 characters.
    static func decimal(_ text: String) -> Double? {
        guard !text.isEmpty, text.utf8.count <= 12,
              text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B }) else { return nil }
        return Double(text).flatMap { $0.isFinite ? $0 : nil }
    }
}

extension StringProtocol {
    func trimmed(_ set: String) -> String {
        let scalars = Array(unicodeScalars)
        let skip = Set(set.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !skip.contains($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !skip.contains($0) })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
