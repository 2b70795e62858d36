// The assessment's vocabulary: signals with evidence and weight, the verdict, and the report
// that the reception stage writes as `Hato-Risk` and `hato message assess` prints (issue 18).

import Foundation

/// Signal names are an interface (issue 18): they appear in `Hato-Risk`, in the JSON of
/// `hato message assess` and as keys of `risk.weights`.
public enum RiskSignalName {
    public static let lookalikeDomain = "lookalike-domain"
    public static let displayNameImpersonation = "display-name-impersonation"
    public static let replyToDivergence = "reply-to-divergence"
    public static let firstContact = "first-contact"
    public static let executableAttachment = "executable-attachment"
    public static let doubleExtension = "double-extension"
    public static let rtlOverrideFilename = "rtl-override-filename"
    public static let macroDocument = "macro-document"
    public static let encryptedArchive = "encrypted-archive"
    public static let htmlForm = "html-form"
    public static let htmlScript = "html-script"
    public static let linkTextMismatch = "link-text-mismatch"
    public static let ipLiteralLink = "ip-literal-link"
    public static let punycodeLink = "punycode-link"
    public static let htmlOnly = "html-only"
    public static let dmarcFail = "dmarc-fail"
    public static let dnsblListed = "dnsbl-listed"
    public static let externalSender = "external-sender"
    // Added here beyond the list.
    public static let htmlIframe = "html-iframe"
    public static let javascriptLink = "javascript-link"
    public static let hiddenText = "hidden-text"
    public static let archiveBomb = "archive-bomb"
    public static let arcFail = "arc-fail"
    /// The spam controls' DNS lists (docs/security.md "Spam controls"): a link domain on a URI
    /// blocklist (RFC 5782 §2.3), and the client on a DNS allowlist (its weight lowers the score).
    public static let uriblListed = "uribl-listed"
    public static let dnswlListed = "dnswl-listed"
    /// Not a signal of its own: the weight `first-contact` takes when the message also carries
    /// payment or urgency wording (`risk.weights`).
    public static let firstContactPayment = "first-contact-payment"
}

/// One finding: what was seen (`detail`, for people) and what it counts (`weight`).
public struct RiskSignal: Sendable, Equatable, Codable {
    public var name: String
    public var weight: Double
    public var detail: String

    public init(name: String, weight: Double, detail: String) {
        self.name = name
        self.weight = weight
        self.detail = detail
    }
}

public enum RiskVerdict: String, Sendable, Codable, CaseIterable {
    case clean, suspicious, phishing, spam
}

/// The outcome for one message.
public struct RiskReport: Sendable, Equatable {
    public var verdict: RiskVerdict
    /// The sum of the signals' weights.
    public var score: Double
    /// One entry per signal name, in the order first seen; evidence of repeated findings joined.
    public var signals: [RiskSignal]
    public var authentication: RiskAuthentication?

    public init(verdict: RiskVerdict, score: Double, signals: [RiskSignal], authentication: RiskAuthentication?) {
        self.verdict = verdict
        self.score = score
        self.signals = signals
        self.authentication = authentication
    }

    public var signalNames: [String] { signals.map(\.name) }

    /// `verdict=phishing; score=8.5; signals=lookalike-domain,display-name-impersonation`, the
    /// value of `Hato-Risk` (ASCII only: evidence stays out of the header).
    public var headerValue: String {
        var value = "verdict=\(verdict.rawValue); score=\(Self.format(score))"
        if !signals.isEmpty { value += "; signals=" + signals.map(\.name).joined(separator: ",") }
        return value
    }

    /// A weight or score as written in headers and JSON: at most two decimals, no trailing zeros.
    public static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}

/// Collects signals while the checks run: a name seen again adds its evidence to the first
/// entry instead of counting twice (ten executables are one `executable-attachment`).
struct SignalCollector {
    let policy: RiskPolicy
    private(set) var signals: [RiskSignal] = []
    /// Evidence entries kept per signal; the rest are counted.
    static let maxEvidence = 5
    private var extra: [String: Int] = [:]

    init(policy: RiskPolicy) { self.policy = policy }

    mutating func add(_ name: String, _ detail: String, weightOf weightName: String? = nil) {
        let weight = policy.weight(weightName ?? name)
        if let index = signals.firstIndex(where: { $0.name == name }) {
            if signals[index].weight < weight { signals[index].weight = weight }
            let shown = signals[index].detail.components(separatedBy: "; ").count
            guard !signals[index].detail.contains(detail) else { return }
            if shown < Self.maxEvidence { signals[index].detail += "; " + detail } else { extra[name, default: 0] += 1 }
            return
        }
        signals.append(RiskSignal(name: name, weight: weight, detail: detail))
    }

    func contains(_ name: String) -> Bool { signals.contains { $0.name == name } }

    var finished: [RiskSignal] {
        signals.map { signal in
            var signal = signal
            if let more = extra[signal.name] { signal.detail += "; and \(more) more" }
            return signal
        }
    }
}
