// What the assessment counts and where it draws its lines: weights, thresholds, wording and the
// parsers' limits. `[risk]` in hato.toml fills it (docs/security.md "Risk assessment").

/// Weights, verdict thresholds, keyword lists and parser limits.
public struct RiskPolicy: Sendable {
    /// The default weight of every signal (docs/security.md explains each).
    public static let defaultWeights: [String: Double] = [
        RiskSignalName.lookalikeDomain: 6,
        RiskSignalName.displayNameImpersonation: 5,
        RiskSignalName.replyToDivergence: 2,
        RiskSignalName.firstContact: 1,
        RiskSignalName.firstContactPayment: 3,
        RiskSignalName.executableAttachment: 6,
        RiskSignalName.doubleExtension: 4,
        RiskSignalName.rtlOverrideFilename: 6,
        RiskSignalName.macroDocument: 4,
        RiskSignalName.encryptedArchive: 3,
        RiskSignalName.htmlForm: 3,
        RiskSignalName.htmlScript: 3,
        RiskSignalName.linkTextMismatch: 3,
        RiskSignalName.ipLiteralLink: 3,
        RiskSignalName.punycodeLink: 2,
        RiskSignalName.htmlOnly: 0.5,
        RiskSignalName.dmarcFail: 4,
        RiskSignalName.dnsblListed: 4,
        RiskSignalName.externalSender: 0,
        RiskSignalName.htmlIframe: 2,
        RiskSignalName.javascriptLink: 4,
        RiskSignalName.hiddenText: 0.5,
        RiskSignalName.archiveBomb: 4,
        RiskSignalName.arcFail: 1,
    ]

    /// Signals that count towards `spam` rather than `phishing`: the DNS lists of the spam
    /// controls (a `dnswl-listed` signal carries a negative weight and lowers the spam score).
    public static let defaultSpamSignals: Set<String> = [RiskSignalName.dnsblListed, RiskSignalName.uriblListed, RiskSignalName.dnswlListed]

    /// Issue 18's Japanese defaults (至急, 振込先, 口座変更, 請求書) and their usual company.
    public static let defaultPaymentKeywords: [String] = [
        "至急", "振込先", "振込口座", "口座変更", "請求書", "送金", "支払", "入金", "緊急", "本日中",
        "urgent", "wire transfer", "bank account", "bank details", "invoice", "payment", "remittance", "gift card",
    ]

    /// Executable and script types by file name extension (issue 18's list and a few of their kind).
    public static let defaultExecutableExtensions: [String] = [
        "exe", "scr", "com", "pif", "js", "jse", "vbs", "vbe", "wsf", "wsh", "hta", "lnk", "iso", "img", "one", "msi",
        "bat", "cmd", "ps1", "cpl", "jar", "reg", "vhd", "vhdx", "msc", "chm", "xll", "appx", "msix",
    ]

    public var weights: [String: Double] = Self.defaultWeights
    public var spamSignals: Set<String> = Self.defaultSpamSignals
    /// A message whose non-spam score reaches this is `phishing`.
    public var phishingScore: Double = 8
    /// A message whose score reaches this (and is neither phishing nor spam) is `suspicious`.
    public var suspiciousScore: Double = 4
    /// A message whose spam signals reach this is `spam`.
    public var spamScore: Double = 4
    public var paymentKeywords: [String] = Self.defaultPaymentKeywords
    public var executableExtensions: [String] = Self.defaultExecutableExtensions
    public var limits = RiskLimits()

    public init() {}

    public func weight(_ name: String) -> Double { weights[name] ?? Self.defaultWeights[name] ?? 1 }

    /// The verdict for a list of signals: phishing first, then spam, then suspicious.
    public func verdict(for signals: [RiskSignal]) -> (RiskVerdict, Double) {
        let total = signals.reduce(0) { $0 + $1.weight }
        let spam = signals.filter { spamSignals.contains($0.name) }.reduce(0) { $0 + $1.weight }
        let phishing = total - spam
        if phishing >= phishingScore { return (.phishing, total) }
        if spam > 0 && spam >= spamScore { return (.spam, total) }
        if total >= suspiciousScore { return (.suspicious, total) }
        return (.clean, total)
    }
}

/// Bounds on what the assessment reads: every parser here stops at one of these.
public struct RiskLimits: Sendable {
    /// ZIP central directory entries listed per archive.
    public var maxArchiveEntries = 10_000
    /// Archives inside archives followed (stored, uncompressed inner archives only).
    public var maxArchiveDepth = 3
    /// Declared uncompressed size of one archive's entries beyond which it is a bomb.
    public var maxArchiveUncompressedSize = 1 << 30
    /// Declared compression ratio of an entry beyond which it is a bomb.
    public var maxCompressionRatio = 1000
    /// HTML bytes tokenized per part.
    public var maxHTMLBytes = 2 << 20
    /// HTML tokens read per part.
    public var maxHTMLTokens = 200_000
    /// Links checked per message.
    public var maxLinks = 500
    /// Attachments inspected per message (the rest only by name).
    public var maxAttachments = 100
    /// Text scanned for payment wording, in characters.
    public var maxKeywordText = 65_536
    /// OLE compound file sectors read while looking for VBA storages.
    public var maxCompoundFileSectors = 65_536

    public init() {}
}
