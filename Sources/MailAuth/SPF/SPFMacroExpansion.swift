// Macro expansion, RFC 7208 §7.2 (letters) and §7.3 (transformers, delimiters, URL escaping,
// the 253-character cut).

import DNSMessage

struct SPFMacroContext: Sendable {
    /// <sender>, with "postmaster" substituted for a missing local-part (§4.3).
    var sender: String
    var localPart: String
    var senderDomain: String
    /// <domain> of the current check_host() evaluation.
    var domain: String
    var ip: IPAddress
    var helo: String
    var receiver: String
    var timestamp: Int
    /// The %{p} value, found by the evaluator before expansion when a string uses it.
    var validatedName: String?

    func value(of letter: Character) -> String {
        switch letter {
        case "s": sender
        case "l": localPart
        case "o": senderDomain
        case "d": domain
        case "i":
            switch ip {
            case .v4(let a): a.description
            // §7.3: "For IPv6 addresses, the i macro expands to a dot-format address" (nibbles).
            case .v6(let a): a.bytes.flatMap { [String($0 >> 4, radix: 16), String($0 & 0x0F, radix: 16)] }
                .joined(separator: ".")
            }
        case "p": validatedName ?? "unknown"
        case "v": if case .v4 = ip { "in-addr" } else { "ip6" }
        case "h": helo
        case "c": ip.description
        case "r": receiver
        case "t": String(timestamp)
        default: ""
        }
    }
}

extension SPFMacroString {
    var usesValidatedName: Bool {
        parts.contains { if case .macro("p", _, _, _, _) = $0 { true } else { false } }
    }

    func expand(in context: SPFMacroContext) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text):
                out += text
            case .macro(let letter, let uppercase, let keep, let reverse, let delimiters):
                out += SPFMacroString.transform(context.value(of: letter), keep: keep, reverse: reverse,
                                                delimiters: delimiters, urlEscape: uppercase)
            }
        }
        return out
    }

    /// §7.3: split on the delimiters (default "."), reverse if asked, keep the rightmost `keep`
    /// parts, rejoin with "."; uppercase letters are then URL-escaped.
    static func transform(_ value: String, keep: Int?, reverse: Bool, delimiters: [Character],
                          urlEscape: Bool) -> String {
        var result = value
        if keep != nil || reverse || !delimiters.isEmpty {
            let splitters = delimiters.isEmpty ? ["."] : delimiters
            var pieces = value.split(omittingEmptySubsequences: false, whereSeparator: { splitters.contains($0) })
                .map(String.init)
            if reverse { pieces.reverse() }
            if let keep, keep < pieces.count { pieces = Array(pieces.suffix(keep)) }
            result = pieces.joined(separator: ".")
        }
        return urlEscape ? percentEncode(result) : result
    }

    /// RFC 3986 §2.3 unreserved characters stay; every other octet becomes %XX.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// Expands a domain-spec into a <target-name>: a trailing dot is dropped (§7.3 says they
    /// MUST be accepted), and a name over 253 characters loses labels from the left (§7.3).
    func expandDomain(in context: SPFMacroContext) -> String {
        var name = expand(in: context)
        if name.hasSuffix(".") { name.removeLast() }
        while name.utf8.count > SPFLimits.maxExpandedDomainLength, let dot = name.firstIndex(of: ".") {
            name = String(name[name.index(after: dot)...])
        }
        return name
    }
}
