// SPF record grammar, RFC 7208 §4.5, §4.6.1, §5 and §6 (collected in §12):
//
//   record           = version terms *SP
//   version          = "v=spf1"
//   terms            = *( 1*SP ( directive / modifier ) )
//   directive        = [ qualifier ] mechanism
//   qualifier        = "+" / "-" / "?" / "~"
//   mechanism        = ( all / include / a / mx / ptr / ip4 / ip6 / exists )
//   all              = "all"
//   include          = "include"  ":" domain-spec
//   a                = "a"      [ ":" domain-spec ] [ dual-cidr-length ]
//   mx               = "mx"     [ ":" domain-spec ] [ dual-cidr-length ]
//   ptr              = "ptr"    [ ":" domain-spec ]
//   ip4              = "ip4"      ":" ip4-network   [ ip4-cidr-length ]
//   ip6              = "ip6"      ":" ip6-network   [ ip6-cidr-length ]
//   exists           = "exists"   ":" domain-spec
//   modifier         = redirect / explanation / unknown-modifier
//   redirect         = "redirect" "=" domain-spec
//   explanation      = "exp" "=" domain-spec
//   unknown-modifier = name "=" macro-string
//   name             = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
//   ip4-cidr-length  = "/" ("0" / %x31-39 0*1DIGIT) ; value range 0-32
//   ip6-cidr-length  = "/" ("0" / %x31-39 0*2DIGIT) ; value range 0-128
//   dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]
//
// Literal strings are case-insensitive (§12).

import DNSMessage

enum SPFQualifier: Character, Sendable {
    case pass = "+", fail = "-", softfail = "~", neutral = "?"

    var result: SPFResult {
        switch self {
        case .pass: .pass
        case .fail: .fail
        case .softfail: .softfail
        case .neutral: .neutral
        }
    }
}

enum SPFMechanism: Sendable, Hashable {
    case all
    case include(SPFMacroString)
    case a(SPFMacroString?, v4Prefix: Int, v6Prefix: Int)
    case mx(SPFMacroString?, v4Prefix: Int, v6Prefix: Int)
    case ptr(SPFMacroString?)
    case ip4(IPv4Address, prefix: Int)
    case ip6(IPv6Address, prefix: Int)
    case exists(SPFMacroString)

    /// §4.6.4: the terms that cause DNS queries.
    var countsAsDNSTerm: Bool {
        switch self {
        case .include, .a, .mx, .ptr, .exists: true
        case .all, .ip4, .ip6: false
        }
    }
}

struct SPFDirective: Sendable, Hashable {
    var qualifier: SPFQualifier
    var mechanism: SPFMechanism
    /// The term as written, for reporting.
    var text: String
}

struct SPFRecord: Sendable, Hashable {
    var directives: [SPFDirective] = []
    var redirect: SPFMacroString?
    var explanation: SPFMacroString?

    /// §4.5: a record starts with "v=spf1" followed by a space or the end.
    static func isSPF(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower == "v=spf1" || lower.hasPrefix("v=spf1 ")
    }

    /// §4.6: any syntax error anywhere makes the whole record a permerror.
    static func parse(_ text: String) throws(SPFSyntaxError) -> SPFRecord {
        guard isSPF(text) else { throw SPFSyntaxError("not an SPF record") }
        var record = SPFRecord()
        for term in text.dropFirst(6).split(separator: " ", omittingEmptySubsequences: true) {
            if let modifier = try parseModifier(term) {
                switch modifier.name {
                case "redirect":
                    // §6: redirect and exp MUST NOT appear more than once.
                    guard record.redirect == nil else { throw SPFSyntaxError("redirect= appears twice") }
                    record.redirect = try SPFMacroString.parseDomainSpec(modifier.value)
                case "exp":
                    guard record.explanation == nil else { throw SPFSyntaxError("exp= appears twice") }
                    record.explanation = try SPFMacroString.parseDomainSpec(modifier.value)
                default:
                    // §6: unknown modifiers are ignored, but their value must still be a macro-string.
                    _ = try SPFMacroString.parse(modifier.value)
                }
            } else {
                record.directives.append(try parseDirective(term))
            }
        }
        return record
    }

    /// A term is a modifier when it starts with `name "="` (§4.6.1).
    private static func parseModifier(_ term: Substring) throws(SPFSyntaxError) -> (name: String, value: Substring)? {
        guard let equals = term.firstIndex(of: "=") else { return nil }
        let name = term[..<equals]
        guard let first = name.first, first.isASCII, first.isLetter,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            // An "=" inside a mechanism's domain-spec (e.g. in a macro delimiter) is fine.
            if term.contains(":") || term.contains("/") { return nil }
            throw SPFSyntaxError("bad modifier name in \(term)")
        }
        return (name.lowercased(), term[term.index(after: equals)...])
    }

    private static func parseDirective(_ term: Substring) throws(SPFSyntaxError) -> SPFDirective {
        var rest = term
        var qualifier = SPFQualifier.pass
        if let first = rest.first, let q = SPFQualifier(rawValue: first) {
            qualifier = q
            rest = rest.dropFirst()
        }
        let nameEnd = rest.firstIndex(where: { $0 == ":" || $0 == "/" }) ?? rest.endIndex
        let name = rest[..<nameEnd].lowercased()
        let argument = rest[nameEnd...]
        let mechanism: SPFMechanism
        switch name {
        case "all":
            guard argument.isEmpty else { throw SPFSyntaxError("all takes no argument") }
            mechanism = .all
        case "include":
            mechanism = .include(try requiredDomainSpec(argument, name))
        case "exists":
            mechanism = .exists(try requiredDomainSpec(argument, name))
        case "ptr":
            guard argument.isEmpty || argument.first == ":" else { throw SPFSyntaxError("ptr takes no CIDR length") }
            mechanism = .ptr(argument.isEmpty ? nil : try SPFMacroString.parseDomainSpec(argument.dropFirst()))
        case "a", "mx":
            let (spec, v4, v6) = try domainAndDualCIDR(argument)
            mechanism = name == "a" ? .a(spec, v4Prefix: v4, v6Prefix: v6) : .mx(spec, v4Prefix: v4, v6Prefix: v6)
        case "ip4":
            guard argument.first == ":" else { throw SPFSyntaxError("ip4 needs an address") }
            let (address, prefix) = try splitCIDR(argument.dropFirst(), max: 32)
            guard let ip = IPv4Address(String(address)) else { throw SPFSyntaxError("bad IPv4 address \(address)") }
            mechanism = .ip4(ip, prefix: prefix ?? 32)
        case "ip6":
            guard argument.first == ":" else { throw SPFSyntaxError("ip6 needs an address") }
            let (address, prefix) = try splitCIDR(argument.dropFirst(), max: 128)
            guard let ip = IPv6Address(String(address)) else { throw SPFSyntaxError("bad IPv6 address \(address)") }
            mechanism = .ip6(ip, prefix: prefix ?? 128)
        default:
            throw SPFSyntaxError("unknown mechanism \(term)")
        }
        return SPFDirective(qualifier: qualifier, mechanism: mechanism, text: String(term))
    }

    private static func requiredDomainSpec(_ argument: Substring, _ name: String) throws(SPFSyntaxError)
        -> SPFMacroString
    {
        guard argument.first == ":" else { throw SPFSyntaxError("\(name) needs a domain-spec") }
        return try SPFMacroString.parseDomainSpec(argument.dropFirst())
    }

    /// [ ":" domain-spec ] [ dual-cidr-length ]. The CIDR part is found from the right: a
    /// domain-spec cannot end in "/digits" (its domain-end is a toplabel or a macro).
    private static func domainAndDualCIDR(_ argument: Substring) throws(SPFSyntaxError)
        -> (SPFMacroString?, Int, Int)
    {
        var rest = argument
        var v6: Int? = nil, v4: Int? = nil
        if let (head, value) = trailingCIDR(rest), head.hasSuffix("/") {
            v6 = try cidrValue(value, max: 128)
            rest = head.dropLast()
        }
        if let (head, value) = trailingCIDR(rest) {
            v4 = try cidrValue(value, max: 32)
            rest = head
        }
        if rest.isEmpty { return (nil, v4 ?? 32, v6 ?? 128) }
        guard rest.first == ":" else { throw SPFSyntaxError("bad argument \(argument)") }
        return (try SPFMacroString.parseDomainSpec(rest.dropFirst()), v4 ?? 32, v6 ?? 128)
    }

    /// Splits "…/DIGITS" into the part before the "/" and the digits.
    private static func trailingCIDR(_ text: Substring) -> (Substring, Substring)? {
        guard let slash = text.lastIndex(of: "/") else { return nil }
        let digits = text[text.index(after: slash)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return (text[..<slash], digits)
    }

    private static func splitCIDR(_ text: Substring, max: Int) throws(SPFSyntaxError) -> (Substring, Int?) {
        guard let slash = text.firstIndex(of: "/") else { return (text, nil) }
        return (text[..<slash], try cidrValue(text[text.index(after: slash)...], max: max))
    }

    /// "0" / %x31-39 *DIGIT, at most `max`; no leading zeros.
    private static func cidrValue(_ digits: Substring, max: Int) throws(SPFSyntaxError) -> Int {
        guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              digits == "0" || digits.first != "0", let value = Int(digits), value <= max
        else { throw SPFSyntaxError("bad CIDR length /\(digits)") }
        return value
    }
}

extension SPFRecord {
    private static let memo = ParseMemo<String, Result<SPFRecord, SPFSyntaxError>>(capacity: 1024)

    /// `parse(_:)`, remembered by the record text (ParseMemo.swift): a sender domain's record
    /// comes from the resolver's cache for each of its messages, and MAIL FROM and HELO checks
    /// often read the same one.
    static func parsed(_ text: String) throws(SPFSyntaxError) -> SPFRecord {
        try memo.value(text) {
            do throws(SPFSyntaxError) { return .success(try parse($0)) } catch { return .failure(error) }
        }.get()
    }
}
