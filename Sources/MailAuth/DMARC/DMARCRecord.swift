// DMARC Policy Records (RFC 9989 §4.7, §4.8): the tag-value syntax of DKIM (RFC 6376 §3.2) at
// `_dmarc.<domain>`. Unknown tags are ignored; a tag whose value breaks its rule is dropped in
// favour of the default (§4.8); a record whose first tag is not `v=DMARC1` is not a record.

/// The Domain Owner Assessment Policy (`p`, `sp`, `np`: dmarc-request).
public enum DMARCPolicy: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case none, quarantine, reject

    var strictness: Int { switch self { case .none: 0; case .quarantine: 1; case .reject: 2 } }
    public static func < (lhs: DMARCPolicy, rhs: DMARCPolicy) -> Bool { lhs.strictness < rhs.strictness }

    /// §4.7 `t=y`: the policy one level below.
    var testingDowngrade: DMARCPolicy { switch self { case .reject: .quarantine; case .quarantine, .none: .none } }
}

/// `adkim` / `aspf` (dmarc-rors).
public enum DMARCAlignmentMode: String, Sendable, Hashable, Codable {
    case relaxed = "r", strict = "s"
}

/// `psd` (dmarc-psd).
public enum DMARCPSD: String, Sendable, Hashable, Codable {
    case yes = "y", no = "n", unknown = "u"
}

public struct DMARCRecord: Sendable, Hashable {
    /// `p`; nil when absent or invalid (§4.10.1 then decides: p=none with a valid rua, else nothing).
    public var policy: DMARCPolicy?
    public var subdomainPolicy: DMARCPolicy?
    public var nonexistentPolicy: DMARCPolicy?
    public var dkimAlignment: DMARCAlignmentMode = .relaxed
    public var spfAlignment: DMARCAlignmentMode = .relaxed
    /// `t=y`: testing mode.
    public var testing = false
    public var psd: DMARCPSD = .unknown
    public var aggregateReportURIs: [String] = []
    /// The "!size" suffix of rua= URIs that had one ("10m"), by URI: RFC 9989 §4.8 makes it
    /// obsolete, RFC 7489 §6.2 asked reporters to honour it, and Hato's reports do.
    public var aggregateReportSizeLimits: [String: String] = [:]
    public var failureReportURIs: [String] = []
    /// `fo`, ignored without `ruf` (§4.7); default "0".
    public var failureOptions: [String] = ["0"]
    /// `p` present but not a dmarc-request, or `sp`/`np` present and invalid (§4.10.1).
    public var hasInvalidPolicyTag = false
    /// Tags dropped for a bad value, for operators reading `hato auth check`.
    public var problems: [String] = []

    public init() {}

    /// True when the text starts with the version tag, the test RFC 9989 §4.10 step 2 uses to
    /// pick records out of a TXT RRset.
    public static func isDMARC(_ text: String) -> Bool {
        guard let first = text.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first else { return false }
        let parts = first.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return trimWSP(parts[0]) == "v" && trimWSP(parts[1]) == "DMARC1"
    }

    private static let memo = ParseMemo<[String], DMARCRecord?>(capacity: 1024)

    /// §4.10 steps 1-2 over a TXT RRset's texts: the one record starting with v=DMARC1, parsed;
    /// nil when there is none, more than one, or it does not parse. Remembered by the texts
    /// (ParseMemo.swift): every message from a domain, and each of its discoveries, reads the
    /// same RRset from the resolver's cache.
    static func selected(from texts: [String]) -> DMARCRecord? {
        memo.value(texts) { texts in
            let records = texts.filter(DMARCRecord.isDMARC)
            guard records.count == 1 else { return nil }
            return try? DMARCRecord(parsing: records[0])
        }
    }

    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case notDMARC
        /// RFC 6376 §3.2: a tag name occurring twice makes the whole tag-list invalid.
        case duplicateTag(String)
        case malformedTag(String)

        public var description: String {
            switch self {
            case .notDMARC: "the record does not start with v=DMARC1"
            case .duplicateTag(let tag): "tag \"\(tag)\" appears more than once"
            case .malformedTag(let text): "malformed tag \"\(text)\""
            }
        }
    }

    /// dmarc-record = dmarc-version *(dmarc-sep dmarc-tag) [dmarc-sep]
    public init(parsing text: String) throws(ParseError) {
        guard Self.isDMARC(text) else { throw .notDMARC }
        var seen = Set<String>()
        for (index, raw) in text.split(separator: ";", omittingEmptySubsequences: false).enumerated() {
            let spec = Self.trimWSP(raw)
            if spec.isEmpty {
                // Only a trailing separator may leave an empty spec (the optional final dmarc-sep).
                continue
            }
            let parts = spec.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw .malformedTag(spec) }
            let name = Self.trimWSP(parts[0]).lowercased()
            let value = Self.trimWSP(parts[1])
            // tag-name = 1*ALPHA; anything else is not a tag at all.
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic && $0.isASCII }) else {
                throw .malformedTag(spec)
            }
            guard seen.insert(name).inserted else { throw .duplicateTag(name) }
            if index == 0 { continue }  // v=DMARC1, checked above
            apply(name: name, value: value)
        }
    }

    private mutating func apply(name: String, value: String) {
        func drop() { problems.append("\(name)=\(value) ignored: invalid value") }
        switch name {
        case "p":
            if let policy = DMARCPolicy(rawValue: value) { self.policy = policy } else { hasInvalidPolicyTag = true; drop() }
        case "sp":
            if let policy = DMARCPolicy(rawValue: value) { subdomainPolicy = policy } else { hasInvalidPolicyTag = true; drop() }
        case "np":
            if let policy = DMARCPolicy(rawValue: value) { nonexistentPolicy = policy } else { hasInvalidPolicyTag = true; drop() }
        case "adkim":
            if let mode = DMARCAlignmentMode(rawValue: value) { dkimAlignment = mode } else { drop() }
        case "aspf":
            if let mode = DMARCAlignmentMode(rawValue: value) { spfAlignment = mode } else { drop() }
        case "t":
            switch value {
            case "y": testing = true
            case "n": testing = false
            default: drop()
            }
        case "psd":
            if let psd = DMARCPSD(rawValue: value) { self.psd = psd } else { drop() }
        case "rua":
            aggregateReportURIs = Self.uriList(value)
            aggregateReportSizeLimits = Self.uriSizeLimits(value)
            if aggregateReportURIs.isEmpty { drop() }
        case "ruf":
            failureReportURIs = Self.uriList(value)
            if failureReportURIs.isEmpty { drop() }
        case "fo":
            if let options = Self.failureOptions(value) { failureOptions = options } else { drop() }
        default:
            break  // §4.7: unknown tags MUST be ignored.
        }
    }

    /// dmarc-urilist: comma-separated URIs (RFC 3986 scheme ":" ...); the obsolete "!size"
    /// suffix is dropped (§4.8 obs-dmarc-uri). Syntactically invalid entries are left out.
    static func uriList(_ value: String) -> [String] {
        value.split(separator: ",", omittingEmptySubsequences: false).compactMap { raw -> String? in
            var uri = trimWSP(raw)
            if let bang = uri.lastIndex(of: "!") {
                let size = uri[uri.index(after: bang)...]
                let digits = size.prefix { $0.isASCII && $0.isNumber }
                let unit = size.dropFirst(digits.count)
                guard !digits.isEmpty, unit.isEmpty || (unit.count == 1 && "kmgt".contains(unit)) else { return nil }
                uri = String(uri[..<bang])
            }
            return isURI(uri) ? uri : nil
        }
    }

    /// The "!size" suffixes of the valid URIs in a dmarc-urilist, by URI.
    static func uriSizeLimits(_ value: String) -> [String: String] {
        var sizes: [String: String] = [:]
        for raw in value.split(separator: ",", omittingEmptySubsequences: false) {
            let uri = trimWSP(raw)
            guard let bang = uri.lastIndex(of: "!"), let kept = uriList(uri).first else { continue }
            sizes[kept] = String(uri[uri.index(after: bang)...])
        }
        return sizes
    }

    /// RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ":" and no
    /// whitespace, comma or "!" (§4.8 says those are encoded).
    static func isURI(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return false }
        let scheme = text[..<colon]
        guard let first = scheme.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        guard scheme.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0)) })
        else { return false }
        let rest = text[text.index(after: colon)...]
        return !rest.isEmpty && rest.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "," && $0 != "!" && $0 != ";" }
    }

    /// dmarc-fo: "0" or "1" (not both) and "d", "s" at most once each, colon-separated.
    static func failureOptions(_ value: String) -> [String]? {
        let options = value.split(separator: ":", omittingEmptySubsequences: false).map { trimWSP($0) }
        guard !options.isEmpty, Set(options).count == options.count,
              options.allSatisfy({ ["0", "1", "d", "s"].contains($0) }),
              !(options.contains("0") && options.contains("1"))
        else { return nil }
        return options
    }

    /// WSP is SP and HTAB only (RFC 5234 B.1).
    static func trimWSP(_ text: Substring) -> String {
        var slice = text
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
