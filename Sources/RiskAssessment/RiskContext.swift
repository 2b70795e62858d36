// Everything the assessment knows besides the message: the envelope, the authentication
// verdict, and whom the organisation and the recipients know.

/// A person whose name an impersonator would borrow: a VIP, a local user, a correspondent.
public struct KnownPerson: Sendable, Equatable {
    public var name: String
    /// Their real address; its organizational domain is where mail in their name comes from.
    public var address: String

    public init(name: String, address: String) {
        self.name = name
        self.address = address
    }

    public var domain: String { address.split(separator: "@").last.map { $0.lowercased() } ?? "" }
}

/// Someone a local recipient has exchanged mail with (the store's correspondents record).
public struct KnownCorrespondent: Sendable, Equatable {
    public let address: String
    public var name: String?
    /// Messages exchanged so far (sent and replied).
    public var messages: Int
    /// The address's domain, worked out once: lookalikes compare every correspondent's for
    /// each message (docs/PERFORMANCE.md, issue 24).
    public let domain: String

    public init(address: String, name: String? = nil, messages: Int) {
        let address = address.lowercased()
        self.address = address
        self.name = name
        self.messages = messages
        self.domain = address.lastIndex(of: "@").map { String(address[address.index(after: $0)...]) } ?? ""
    }
}

/// The message's circumstances.
public struct RiskContext: Sendable {
    /// The envelope sender (RFC 5321 MAIL FROM) without brackets; nil or "" for `<>`.
    public var mailFrom: String?
    public var recipients: [String] = []
    public var clientIP: String?
    public var helo: String?
    /// Mail from outside (unauthenticated, MX listener): external-sender and first-contact apply.
    public var inbound = true
    /// Our own domains (`hato domain list`).
    public var ourDomains: [String] = []
    /// Partner and VIP domains from `risk.partner_domains`.
    public var partnerDomains: [String] = []
    /// VIPs from `risk.vip_names`.
    public var vips: [KnownPerson] = []
    /// Local users' names as they send (their own correspondents entries).
    public var localUsers: [KnownPerson] = []
    /// The local recipients' correspondents.
    public var correspondents: [KnownCorrespondent] = []
    /// A correspondent with this many messages counts as frequent for display names.
    public var frequentCorrespondentMessages = 3
    public var authentication: RiskAuthentication?
    /// The From domain passed DMARC in most earlier evaluations (the store's DMARC record).
    public var authorDomainUsuallyPasses = false
    /// Signals earlier reception stages found outside the message (the spam controls' DNS
    /// lists: `dnsbl-listed`, `dnswl-listed`, `uribl-listed`), with the weights their zones give.
    public var externalSignals: [RiskSignal] = []

    public init() {}
}
