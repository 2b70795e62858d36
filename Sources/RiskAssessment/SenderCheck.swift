// The sender's identity: lookalike From, Reply-To and envelope domains, display names
// borrowed from people the organisation knows, Reply-To leading elsewhere, and first contact.

import Foundation
import MailCore
import MailMessage

struct SenderCheck {
    let assessor: RiskAssessor
    let context: RiskContext
    let lookalikes: LookalikeDomains
    /// Our domains' organizations, found once per message: `isOurs` runs several times for each.
    let ourOrganizations: Set<String>

    init(assessor: RiskAssessor, context: RiskContext, lookalikes: LookalikeDomains) {
        self.assessor = assessor
        self.context = context
        self.lookalikes = lookalikes
        self.ourOrganizations = Set(context.ourDomains.map { assessor.suffixes.registrableDomain(of: $0.lowercased()) ?? $0.lowercased() })
    }

    var suffixes: PublicSuffixList { assessor.suffixes }

    func organization(_ domain: String) -> String { suffixes.registrableDomain(of: domain) ?? domain }

    func fromDomain(_ header: HeaderSection) -> String? { Self.domain(of: header.from.mailboxes.first) }

    /// The From mailbox's domain as the checks compare it. Callers that also need the mailbox
    /// take both from one `header.from` (an address-list parse, 17 K instructions a message).
    static func domain(of from: Mailbox?) -> String? {
        from?.domain.map { $0.lowercased().trimming("[]") }
    }

    /// The domain belongs to one of our domains' organizations.
    func isOurs(_ domain: String) -> Bool {
        ourOrganizations.contains(organization(domain.lowercased()))
    }

    /// The header checks of the message or of an enclosed message (`place` says which).
    func check(_ header: HeaderSection, place: String, envelope: Bool, into signals: inout SignalCollector) {
        let from = header.from.mailboxes.first
        let fromDomain = Self.domain(of: from)
        if let fromDomain, let evidence = lookalikes.resemblance(of: fromDomain) {
            signals.add(RiskSignalName.lookalikeDomain, "\(place): \(evidence)")
        }
        let listPost = header.field("List-Post")?.value.lowercased() ?? ""
        for replyTo in header.replyTo.mailboxes {
            guard let domain = replyTo.domain?.lowercased() else { continue }
            if let evidence = lookalikes.resemblance(of: domain) {
                signals.add(RiskSignalName.lookalikeDomain, "Reply-To\(place == "From" ? "" : " of \(place)"): \(evidence)")
            }
            guard let fromDomain, organization(domain) != organization(fromDomain), !isOurs(domain),
                  !listPost.contains(organization(domain)) else { continue }
            signals.add(RiskSignalName.replyToDivergence,
                        "replies go to \(replyTo.address), not to \(fromDomain)" + (place == "From" ? "" : " (\(place))"))
        }
        if envelope, let mailFrom = context.mailFrom, let at = mailFrom.lastIndex(of: "@") {
            let domain = mailFrom[mailFrom.index(after: at)...].lowercased()
            if domain != fromDomain, let evidence = lookalikes.resemblance(of: domain) {
                signals.add(RiskSignalName.lookalikeDomain, "envelope sender: \(evidence)")
            }
        }
        if let from, let fromDomain { checkDisplayName(from, domain: fromDomain, place: place, into: &signals) }
    }

    /// A display name that is someone else's name or address.
    func checkDisplayName(_ from: Mailbox, domain: String, place: String, into signals: inout SignalCollector) {
        guard let display = from.displayName, !display.isEmpty else { return }
        let suffix = place == "From" ? "" : " (\(place))"
        // "ceo@example.co.jp" <someone@elsewhere.example>
        let normalized = Confusables.nfkc(display).lowercased()
        for word in normalized.split(whereSeparator: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "\"" || $0 == "(" || $0 == ")" })
        where word.contains("@") {
            let shown = word.split(separator: "@").last.map { String($0).trimming(".,;:") } ?? ""
            guard shown.contains("."), organization(shown) != organization(domain) else { continue }
            signals.add(RiskSignalName.displayNameImpersonation, "the display name shows \(word) but the address is \(from.address)\(suffix)")
            return
        }
        guard let name = PersonName(display) else { return }
        let organization = organization(domain)
        let names = assessor.personNames
        let vips = assessor.vipNames.names(context.vips, memo: names, name: { $0.name })
        for vip in vips.matches(name).map({ context.vips[$0] }) where self.organization(vip.domain) != organization {
            signals.add(RiskSignalName.displayNameImpersonation, "\"\(display)\" is the name of VIP \(vip.name) <\(vip.address)>, sent from \(from.address)\(suffix)")
            return
        }
        if !isOurs(domain), let index = assessor.userNames.names(context.localUsers, memo: names, name: { $0.name }).matches(name).first {
            signals.add(RiskSignalName.displayNameImpersonation,
                        "\"\(display)\" is the name of our user \(context.localUsers[index].address), sent from \(from.address)\(suffix)")
            return
        }
        let correspondents = assessor.correspondentNames.names(context.correspondents, memo: names, name: { $0.name })
        for correspondent in correspondents.matches(name).map({ context.correspondents[$0] })
        where correspondent.messages >= context.frequentCorrespondentMessages && self.organization(correspondent.domain) != organization {
            signals.add(RiskSignalName.displayNameImpersonation,
                        "\"\(display)\" is the name of correspondent \(correspondent.address), sent from \(from.address)\(suffix)")
            return
        }
    }

    /// No earlier mail between the sender and the recipients; weighted more with payment or
    /// urgency wording in the subject or text.
    /// `knownText`: the parts' texts the content check already decoded (nil: decode here).
    func firstContact(_ message: MIMEMessage, knownText: (MIMEPart) -> String? = { _ in nil }, into signals: inout SignalCollector) {
        guard let from = message.header.from.mailboxes.first, let domain = Self.domain(of: from), !isOurs(domain) else { return }
        let address = from.address.lowercased()
        guard !context.correspondents.contains(where: { $0.address == address }) else { return }
        let raw = (message.header.subject ?? "") + "\n" + String(TextSearch.prefix(message.decodedText(known: knownText), characters: assessor.policy.limits.maxKeywordText))
        // ASCII is its own NFKC form, and lower-cases byte by byte.
        let text = Confusables.isASCII(raw) ? TextSearch.asciiLowercased(raw) : Confusables.nfkc(raw).lowercased()
        let present = assessor.paymentKeywordScan.present(in: text)
        let words = assessor.paymentKeywords.indices.filter { present[$0] }.map { assessor.paymentKeywords[$0].keyword }
        if words.isEmpty {
            signals.add(RiskSignalName.firstContact, "no earlier mail between \(address) and the recipients")
        } else {
            signals.add(RiskSignalName.firstContact,
                        "no earlier mail between \(address) and the recipients, with payment or urgency wording: \(words.prefix(5).joined(separator: ", "))",
                        weightOf: RiskSignalName.firstContactPayment)
        }
    }
}
