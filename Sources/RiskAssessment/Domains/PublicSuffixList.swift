// The public suffix list (https://publicsuffix.org/list/, Debian's `publicsuffix` package):
// where a name's registrable part (its organizational domain) begins, so "example.co.jp" and
// "example-co.jp" are compared as whole registrable domains, not as "co.jp" and "example-co.jp".

import Foundation
import MailCore

/// The list's rules and its matching algorithm (publicsuffix.org "Formal Algorithm"): the
/// longest matching rule wins, an exception rule ("!www.ck") beats every other, a wildcard
/// ("*.ck") matches any one label, and with no match the default rule "*" applies.
public struct PublicSuffixList: Sendable {
    /// Where Debian's `publicsuffix` package puts the list (`risk.public_suffix_list`).
    public static let debianPath = "/usr/share/publicsuffix/public_suffix_list.dat"

    private var rules: Set<String> = []
    private var wildcards: Set<String> = []
    private var exceptions: Set<String> = []

    /// The rules in the list's text form. Comments (`//`) and blank lines are skipped; each rule
    /// is its first whitespace-separated word; Unicode rules are stored in A-label form.
    public init(text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            guard let word = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first, !word.hasPrefix("//") else { continue }
            var rule = String(word).lowercased()
            if rule.hasPrefix("!") {
                rule.removeFirst()
                if let name = Self.aLabels(rule) { exceptions.insert(name) }
            } else if rule.hasPrefix("*.") {
                rule.removeFirst(2)
                if let name = Self.aLabels(rule) { wildcards.insert(name) }
            } else if let name = Self.aLabels(rule) {
                rules.insert(name)
            }
        }
    }

    /// The list in a file; nil when it cannot be read.
    public init?(contentsOf path: String) {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        self.init(text: String(decoding: data, as: UTF8.self))
    }

    /// An empty list: every name's public suffix is its last label (the default rule).
    public static let defaultRuleOnly = PublicSuffixList(text: "")

    public var ruleCount: Int { rules.count + wildcards.count + exceptions.count }

    /// The number of labels of `name`'s public suffix.
    func suffixLength(_ labels: [Substring]) -> Int {
        var longest = 1  // the default rule "*"
        for start in labels.indices {
            let suffix = labels[start...].joined(separator: ".")
            if exceptions.contains(suffix) { return labels.count - start - 1 }
            if rules.contains(suffix) { longest = max(longest, labels.count - start) }
            if start > 0, wildcards.contains(suffix) { longest = max(longest, labels.count - start + 1) }
        }
        return longest
    }

    /// The public suffix of a host name ("co.jp" for "www.example.co.jp").
    public func publicSuffix(of name: String) -> String {
        let labels = Self.labels(name)
        return labels.suffix(min(labels.count, suffixLength(labels))).joined(separator: ".")
    }

    /// The registrable domain: the public suffix and one label more ("example.co.jp" for
    /// "www.example.co.jp"); nil when the name is itself a public suffix.
    public func registrableDomain(of name: String) -> String? {
        let labels = Self.labels(name)
        let length = suffixLength(labels)
        guard labels.count > length else { return nil }
        return labels.suffix(length + 1).joined(separator: ".")
    }

    static func labels(_ name: String) -> [Substring] {
        var text = Substring(name.lowercased())
        if text.hasSuffix(".") { text = text.dropLast() }
        return text.split(separator: ".", omittingEmptySubsequences: false)
    }

    /// Unicode rules to A-labels ("公司.cn" -> "xn--55qx5d.cn"); ASCII rules as they are.
    static func aLabels(_ rule: String) -> String? {
        guard !rule.isEmpty else { return nil }
        if rule.unicodeScalars.allSatisfy(\.isASCII) { return rule }
        return (try? Domain(rule))?.name
    }
}
