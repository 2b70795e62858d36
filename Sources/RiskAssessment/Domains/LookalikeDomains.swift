// Lookalike domains (issue 18): a sender or link domain that is not one the recipient trusts
// but looks like one: the same UTS #39 skeleton (confusable letters, IDN homographs), the same
// letters with other separators ("example-co.jp" for "example.co.jp"), one or two edits away
// ("rnicrosoft.com", "paypa1.com"), or a trusted name worn as a subdomain
// ("example.co.jp.login-check.com").

import MailCore

/// A domain the recipient trusts, and why (for the evidence).
public struct TrustedDomain: Sendable, Equatable {
    public var name: String
    public var reason: String

    public init(name: String, reason: String) {
        self.name = name.lowercased()
        self.reason = reason
    }
}

/// Compares names against the trusted registrable domains.
struct LookalikeDomains: Sendable {
    private struct Entry: Sendable {
        var registrable: String
        var unicode: String
        var skeleton: String?
        var reason: String
        /// The registrable domain's first label ("example" of "example.co.jp") and the rest.
        var label: String
        var suffix: String
    }

    let suffixes: PublicSuffixList
    private var entries: [Entry] = []
    private var known: Set<String> = []

    init(suffixes: PublicSuffixList, trusted: [TrustedDomain]) {
        self.suffixes = suffixes
        var names: Set<String> = []  // many correspondents share a domain: look each up once
        for domain in trusted where names.insert(domain.name).inserted {
            let registrable = suffixes.registrableDomain(of: domain.name) ?? domain.name
            guard known.insert(registrable).inserted else { continue }
            let unicode = Domain.unicodeForm(of: registrable)
            let (label, suffix) = Self.split(unicode)
            entries.append(Entry(registrable: registrable, unicode: unicode, skeleton: Confusables.skeleton(unicode), reason: domain.reason,
                                 label: label, suffix: suffix))
        }
    }

    /// Whether `host`'s registrable domain is itself trusted.
    func isTrusted(_ host: String) -> Bool {
        known.contains(suffixes.registrableDomain(of: host) ?? host.lowercased())
    }

    /// The evidence that `host` imitates a trusted domain, or nil.
    func resemblance(of host: String) -> String? {
        let host = host.lowercased().trimmingSuffix(".")
        let registrable = suffixes.registrableDomain(of: host) ?? host
        guard !known.contains(registrable), !registrable.isEmpty else { return nil }
        let unicode = Domain.unicodeForm(of: registrable)
        let shown = unicode == registrable ? registrable : "\(registrable) (\(unicode))"
        let skeleton = Confusables.skeleton(unicode)
        let squeezed = Self.withoutSeparators(unicode)
        let (label, suffix) = Self.split(unicode)
        for entry in entries {
            if let skeleton, skeleton == entry.skeleton {
                let kind = registrable.contains("xn--") ? "an IDN homograph of" : "confusable with"
                return "\(shown) is \(kind) \(entry.registrable) (\(entry.reason))"
            }
            if squeezed == Self.withoutSeparators(entry.unicode) {
                return "\(shown) differs from \(entry.registrable) (\(entry.reason)) only in dots and hyphens"
            }
            // Edits count in the name under the same public suffix: "example.or.jp" is another
            // registry's name, not a typo of "example.co.jp".
            let allowed = Self.allowedEdits(entry.label)
            if allowed > 0, suffix == entry.suffix {
                let edits = EditDistance.distance(label, entry.label, limit: allowed)
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

    /// Edits tolerated for a trusted name this long: short names collide by chance.
    static func allowedEdits(_ label: String) -> Int {
        let length = label.unicodeScalars.count
        return length >= 10 ? 2 : (length >= 5 ? 1 : 0)
    }

    /// "example.co.jp" -> ("example", "co.jp").
    static func split(_ registrable: String) -> (label: String, suffix: String) {
        guard let dot = registrable.firstIndex(of: ".") else { return (registrable, "") }
        return (String(registrable[..<dot]), String(registrable[registrable.index(after: dot)...]))
    }

    static func withoutSeparators(_ name: String) -> String {
        String(name.unicodeScalars.filter { $0 != "." && $0 != "-" }.map(Character.init))
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
