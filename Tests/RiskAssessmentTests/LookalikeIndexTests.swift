import MailCore
@testable import RiskAssessment
import Testing

/// `LookalikeDomains` compares a host only with the trusted domains its index finds. The
/// evidence must be the one a walk of the whole trusted list in order gives (the reference walk
/// below is the comparison as it was before the index).
@Suite struct LookalikeIndexTests {
    static func walk(_ host: String, trusted: [TrustedDomain], suffixes: PublicSuffixList) -> String? {
        var known: [(registrable: String, reason: String)] = []
        for domain in trusted {
            let registrable = suffixes.registrableDomain(of: domain.name) ?? domain.name
            if !known.contains(where: { $0.registrable == registrable }) { known.append((registrable, domain.reason)) }
        }
        let host = host.lowercased().trimmingSuffix(".")
        let registrable = suffixes.registrableDomain(of: host) ?? host
        guard !known.contains(where: { $0.registrable == registrable }), !registrable.isEmpty else { return nil }
        let unicode = Domain.unicodeForm(of: registrable)
        let shown = unicode == registrable ? registrable : "\(registrable) (\(unicode))"
        let (label, suffix) = LookalikeDomains.split(unicode)
        for entry in known {
            let entryUnicode = Domain.unicodeForm(of: entry.registrable)
            let (entryLabel, entrySuffix) = LookalikeDomains.split(entryUnicode)
            if let skeleton = Confusables.skeleton(unicode), skeleton == Confusables.skeleton(entryUnicode) {
                let kind = registrable.contains("xn--") ? "an IDN homograph of" : "confusable with"
                return "\(shown) is \(kind) \(entry.registrable) (\(entry.reason))"
            }
            if LookalikeDomains.withoutSeparators(unicode) == LookalikeDomains.withoutSeparators(entryUnicode) {
                return "\(shown) differs from \(entry.registrable) (\(entry.reason)) only in dots and hyphens"
            }
            let allowed = LookalikeDomains.allowedEdits(entryLabel)
            if allowed > 0, suffix == entrySuffix {
                let edits = EditDistance.distance(Array(label.unicodeScalars), Array(entryLabel.unicodeScalars), limit: allowed)
                if edits <= allowed {
                    return "\(shown) is \(edits == 1 ? "one edit" : "\(edits) edits") away from \(entry.registrable) (\(entry.reason))"
                }
            }
            if host != registrable, ("." + host + ".").contains("." + entry.registrable + ".") {
                return "\(host) wears \(entry.registrable) (\(entry.reason)) as a subdomain of \(shown)"
            }
        }
        return nil
    }

    static let labels = ["example", "examp1e", "exarnple", "ex-ample", "paypal", "paypa1", "trading", "tradinq", "co", "login",
                         "mail", "kaisha", "kaisya", "xn--80ak6aa92e", "apple", "appl"]
    static let suffixList = ["com", "co.jp", "jp", "org", "example"]

    static func randomDomain(_ generator: inout SystemRandomNumberGenerator) -> String {
        let name = (0..<Int.random(in: 1...2, using: &generator)).map { _ in labels.randomElement(using: &generator)! }
            .joined(separator: Bool.random(using: &generator) ? "-" : "")
        return name + "." + suffixList.randomElement(using: &generator)!
    }

    @Test func findsWhatTheWalkOfTheListFinds() {
        var generator = SystemRandomNumberGenerator()
        let suffixes = Risk.suffixes
        for _ in 0..<100 {
            let trusted = (0..<Int.random(in: 1...25, using: &generator)).map {
                TrustedDomain(name: Self.randomDomain(&generator), reason: "trusted \($0)")
            }
            let lookalikes = LookalikeDomains(suffixes: suffixes, trusted: trusted)
            for _ in 0..<40 {
                var host = Self.randomDomain(&generator)
                switch Int.random(in: 0...3, using: &generator) {
                case 0: host = trusted.randomElement(using: &generator)!.name + "." + host  // worn as a subdomain
                case 1: host = "www." + host
                case 2: host = host.uppercased() + "."
                default: break
                }
                #expect(lookalikes.resemblance(of: host) == Self.walk(host, trusted: trusted, suffixes: suffixes), "\(host) \(trusted.map(\.name))")
            }
        }
    }
}
