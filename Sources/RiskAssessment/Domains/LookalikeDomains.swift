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

    /// A name known to be lower-case already (a correspondent's domain): kept as it is, the
    /// very string, for each message (docs/PERFORMANCE.md, issue 24).
    init(lowercased name: String, reason: String) {
        self.name = name
        self.reason = reason
    }
}

/// Compares names against the trusted registrable domains.
///
/// A host is compared only with the trusted domains an index finds (the same skeleton, the same
/// letters without separators, a label within two letters of the length under the same suffix,
/// a run of the host's labels): with hundreds of correspondents' domains and dozens of link
/// hosts in a message, comparing each with each cost millions of instructions per message
/// (docs/PERFORMANCE.md, issue 24). Every domain that could give evidence is among those found,
/// and they are tried in the list's order, so the evidence is the one a walk of the list gives.
struct LookalikeDomains: Sendable {
    private struct Entry: Sendable {
        var registrable: String
        var unicode: String
        var skeleton: String?
        var reason: String
        /// The registrable domain's first label ("example" of "example.co.jp") and the rest.
        var label: String
        var suffix: String
        var squeezed: String
        var labelScalars: [Unicode.Scalar]
        var allowedEdits: Int
    }

    let suffixes: PublicSuffixList
    private var entries: [Entry] = []
    private var known: Set<String> = []
    // Positions in `entries`.
    private var bySkeleton: [String: [Int]] = [:]
    private var bySqueezed: [String: [Int]] = [:]
    /// Entries that tolerate edits, by suffix and by the length of the label in scalars.
    private var bySuffixAndLength: [String: [Int: [Int]]] = [:]
    private var byRegistrable: [String: Int] = [:]
    /// The most labels a trusted registrable domain has (the longest run of a host's labels to look up).
    private var maxLabels = 0

    init(suffixes: PublicSuffixList, trusted: [TrustedDomain]) {
        self.suffixes = suffixes
        var names: Set<String> = []  // many correspondents share a domain: look each up once
        for domain in trusted where names.insert(domain.name).inserted {
            let registrable = suffixes.registrableDomain(of: domain.name) ?? domain.name
            guard known.insert(registrable).inserted else { continue }
            let unicode = Domain.unicodeForm(of: registrable)
            let (label, suffix) = Self.split(unicode)
            let entry = Entry(registrable: registrable, unicode: unicode, skeleton: Confusables.skeleton(unicode), reason: domain.reason,
                              label: label, suffix: suffix, squeezed: Self.withoutSeparators(unicode),
                              labelScalars: Array(label.unicodeScalars), allowedEdits: Self.allowedEdits(label))
            let index = entries.count
            entries.append(entry)
            if let skeleton = entry.skeleton { bySkeleton[skeleton, default: []].append(index) }
            bySqueezed[entry.squeezed, default: []].append(index)
            if entry.allowedEdits > 0 { bySuffixAndLength[suffix, default: [:]][entry.labelScalars.count, default: []].append(index) }
            byRegistrable[registrable] = index
            maxLabels = max(maxLabels, registrable.split(separator: ".", omittingEmptySubsequences: false).count)
        }
    }

    /// Whether `host`'s registrable domain is itself trusted.
    func isTrusted(_ host: String) -> Bool {
        known.contains(suffixes.registrableDomain(of: host) ?? host.lowercased())
    }

    /// What a host is compared by, worked out once for all the trusted domains.
    private struct Candidate {
        let host: String
        let registrable: String
        let shown: String
        let skeleton: String?
        let squeezed: String
        let labelScalars: [Unicode.Scalar]
        let suffix: String
    }

    /// The evidence that `host` imitates a trusted domain, or nil.
    func resemblance(of host: String) -> String? {
        let host = host.lowercased().trimmingSuffix(".")
        let registrable = suffixes.registrableDomain(of: host) ?? host
        guard !known.contains(registrable), !registrable.isEmpty else { return nil }
        let unicode = Domain.unicodeForm(of: registrable)
        let (label, suffix) = Self.split(unicode)
        let candidate = Candidate(host: host, registrable: registrable, shown: unicode == registrable ? registrable : "\(registrable) (\(unicode))",
                                  skeleton: Confusables.skeleton(unicode), squeezed: Self.withoutSeparators(unicode),
                                  labelScalars: Array(label.unicodeScalars), suffix: suffix)
        var found: [Int] = []
        if let skeleton = candidate.skeleton { found += bySkeleton[skeleton] ?? [] }
        found += bySqueezed[candidate.squeezed] ?? []
        if let lengths = bySuffixAndLength[suffix] {
            let length = candidate.labelScalars.count
            for other in max(0, length - 2)...(length + 2) { found += lengths[other] ?? [] }  // at most 2 edits (allowedEdits)
        }
        if host != registrable { found += Self.labelRuns(of: host, upTo: maxLabels).compactMap { byRegistrable[$0] } }
        for index in Set(found).sorted() {
            if let evidence = Self.evidence(candidate, entries[index]) { return evidence }
        }
        return nil
    }

    /// How `candidate` imitates `entry`, or nil.
    private static func evidence(_ candidate: Candidate, _ entry: Entry) -> String? {
        let shown = candidate.shown
        if let skeleton = candidate.skeleton, skeleton == entry.skeleton {
            let kind = candidate.registrable.contains("xn--") ? "an IDN homograph of" : "confusable with"
            return "\(shown) is \(kind) \(entry.registrable) (\(entry.reason))"
        }
        if candidate.squeezed == entry.squeezed {
            return "\(shown) differs from \(entry.registrable) (\(entry.reason)) only in dots and hyphens"
        }
        // Edits count in the name under the same public suffix: "example.or.jp" is another
        // registry's name, not a typo of "example.co.jp".
        let allowed = entry.allowedEdits
        if allowed > 0, candidate.suffix == entry.suffix {
            let edits = EditDistance.distance(candidate.labelScalars, entry.labelScalars, limit: allowed)
            if edits <= allowed {
                return "\(shown) is \(edits == 1 ? "one edit" : "\(edits) edits") away from \(entry.registrable) (\(entry.reason))"
            }
        }
        // The trusted name as whole labels inside a longer host.
        if candidate.host != candidate.registrable, ("." + candidate.host + ".").contains("." + entry.registrable + ".") {
            return "\(candidate.host) wears \(entry.registrable) (\(entry.reason)) as a subdomain of \(shown)"
        }
        return nil
    }

    /// Every run of `host`'s consecutive labels, of at most `limit` labels ("a.b.c": "a",
    /// "a.b", "b", "b.c", "c", ...).
    static func labelRuns(of host: String, upTo limit: Int) -> [String] {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        var runs: [String] = []
        for start in labels.indices {
            for end in start..<min(labels.count, start + limit) { runs.append(labels[start...end].joined(separator: ".")) }
        }
        return runs
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
