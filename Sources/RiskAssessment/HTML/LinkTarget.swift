// The host a link really goes to, as a browser would read it (WHATWG URL §4.4 in the parts
// that matter here): scheme, userinfo before "@", port, and tabs/newlines inside the URL.

import Foundation

/// A parsed link: its scheme and the host it reaches.
public struct LinkTarget: Sendable, Equatable {
    public var scheme: String
    /// Lower-cased host; "[...]" for an IPv6 literal.
    public var host: String
    /// The userinfo before "@", when there is one ("www.bank.example@evil.example").
    public var userinfo: String?

    /// Parses an href; nil for relative links and schemes without a host (mailto:, tel:).
    public init?(_ href: String) {
        // Browsers strip leading/trailing C0 controls and spaces, and every tab and newline.
        let cleaned = String(href.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }
            .map(Character.init)).trimmingControls()
        var rest = Substring(cleaned)
        if rest.hasPrefix("//") {
            scheme = "https"
        } else {
            guard let colon = rest.firstIndex(of: ":") else { return nil }
            scheme = rest[..<colon].lowercased()
            guard scheme == "http" || scheme == "https" || scheme == "ftp" else { return nil }
            rest = rest[rest.index(after: colon)...]
        }
        while rest.hasPrefix("/") || rest.hasPrefix("\\") { rest = rest.dropFirst() }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == "\\" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            userinfo = String(authority[..<at])
            authority = authority[authority.index(after: at)...]
        }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[...close]).lowercased()
        } else {
            host = String(authority.split(separator: ":", maxSplits: 1).first ?? "").lowercased()
        }
        while host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty else { return nil }
    }

    /// An IPv4 literal in any form a browser accepts (dotted, one big decimal or hex number),
    /// or an IPv6 literal in brackets.
    public var isIPLiteral: Bool {
        if host.hasPrefix("[") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.count <= 4 else { return false }
        return parts.allSatisfy { part in
            if part.hasPrefix("0x") { return !part.dropFirst(2).isEmpty && part.dropFirst(2).allSatisfy(\.isHexDigit) }
            return !part.isEmpty && part.allSatisfy(\.isASCIIDigitCharacter)
        }
    }

    /// Some label is an IDNA A-label ("xn--"), or the host was written in Unicode.
    public var isPunycode: Bool {
        host.split(separator: ".").contains { $0.hasPrefix("xn--") } || !host.unicodeScalars.allSatisfy(\.isASCII)
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}

extension String {
    func trimmingControls() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.value <= 0x20 { scalars.removeFirst() }
        while let last = scalars.last, last.value <= 0x20 { scalars.removeLast() }
        return String(scalars)
    }
}

/// URLs and bare domain names shown in text ("https://www.example.co.jp/login", "example.co.jp").
enum ShownAddress {
    /// The host a piece of link text shows, if it shows one.
    static func host(in text: String) -> String? {
        let trimmed = text.trimmingControls().trimming(" \u{A0}<>()[]\"'「」")
        guard !trimmed.isEmpty, trimmed.count <= 2048 else { return nil }
        if let range = trimmed.range(of: "://") {
            let start = trimmed[..<range.lowerBound].lastIndex(where: { !$0.isLetter }).map { trimmed.index(after: $0) } ?? trimmed.startIndex
            return LinkTarget(String(trimmed[start...]))?.host
        }
        guard !trimmed.contains(where: { $0 == " " || $0 == "@" }) else { return nil }
        let candidate = trimmed.lowercased().split(whereSeparator: { $0 == "/" || $0 == "?" || $0 == "#" }).first.map(String.init) ?? ""
        let labels = candidate.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }),
              let last = labels.last, last.count >= 2, last.allSatisfy(\.isLetter) else { return nil }
        return candidate
    }

    /// http(s) URLs in plain text, at most `limit`.
    static func urls(in text: String, limit: Int) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while found.count < limit, let range = TextSearch.firstRange(of: "http", in: rest) {
            let tail = rest[range.lowerBound...]
            let lowered = tail.prefix(8).lowercased()
            if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
                let end = tail.firstIndex(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "\"" || $0 == "」" || $0 == "）" }) ?? tail.endIndex
                found.append(String(tail[..<end]))
                rest = tail[end...]
            } else {
                rest = tail.dropFirst(4)
            }
        }
        return found
    }
}

extension String {
    func trimming(_ characters: String) -> String {
        var text = Substring(self)
        while let first = text.first, characters.contains(first) { text.removeFirst() }
        while let last = text.last, characters.contains(last) { text.removeLast() }
        return String(text)
    }
}
