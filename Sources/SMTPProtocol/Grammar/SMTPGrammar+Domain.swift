/// The part after "@", or an EHLO argument: a domain name or an address literal.
public enum SMTPHost: Sendable, Hashable, CustomStringConvertible {
    /// As sent (case kept); with SMTPUTF8 it may contain U-labels.
    case domain(String)
    case addressLiteral(SMTPAddressLiteral)

    public var description: String {
        switch self {
        case .domain(let name): name
        case .addressLiteral(let literal): literal.description
        }
    }
}

/// RFC 5321 §4.1.3.
public enum SMTPAddressLiteral: Sendable, Hashable, CustomStringConvertible {
    /// Four octets.
    case ipv4([UInt8])
    /// Sixteen octets.
    case ipv6([UInt8])
    /// General-address-literal: a tag other than "IPv6" (none other is registered) and its content.
    case general(tag: String, content: String)

    public var description: String {
        switch self {
        case .ipv4(let octets): "[" + octets.map(String.init).joined(separator: ".") + "]"
        case .ipv6(let octets):
            "[IPv6:" + stride(from: 0, to: 16, by: 2).map { String(UInt16(octets[$0]) << 8 | UInt16(octets[$0 + 1]), radix: 16) }
                .joined(separator: ":") + "]"
        case .general(let tag, let content): "[\(tag):\(content)]"
        }
    }
}

extension SMTPGrammarReader {
    // Domain     = sub-domain *("." sub-domain)
    // sub-domain = Let-dig [Ldh-str]                  (RFC 5321 §4.1.2)
    // sub-domain =/ U-label                           (RFC 6531 §3.3, with SMTPUTF8)
    // Let-dig    = ALPHA / DIGIT
    // Ldh-str    = *( ALPHA / DIGIT / "-" ) Let-dig
    /// At most 255 octets and 63 per label (RFC 1035 §2.3.4). No underscore, no trailing dot.
    mutating func domain(_ error: SMTPError) throws(SMTPError) -> String {
        let start = index
        repeat {
            let labelStart = index
            while let byte = peek {
                if Self.isAlpha(byte) || Self.isDigit(byte) || byte == UInt8(ascii: "-") {
                    index += 1
                } else if !takeUTF8NonASCII() {
                    break
                }
            }
            let label = bytes[labelStart..<index]
            guard let first = label.first, let last = label.last, first != UInt8(ascii: "-"), last != UInt8(ascii: "-"),
                  label.count <= SMTPLimits.maxLabelLength
            else { throw error }
        } while skip(UInt8(ascii: "."))
        let name = bytes[start..<index]
        guard name.count <= SMTPLimits.maxDomainLength, let text = Self.string(name) else { throw error }
        return text
    }

    // address-literal = "[" ( IPv4-address-literal / IPv6-address-literal /
    //                         General-address-literal ) "]"
    // General-address-literal = Standardized-tag ":" 1*dcontent
    // Standardized-tag = Ldh-str
    // dcontent       = %d33-90 / %d94-126   ; Printable US-ASCII excl. "[", "\", "]"
    /// The brackets' content is read first (bounded by "]"), then classified by its form.
    mutating func addressLiteral(_ error: SMTPError) throws(SMTPError) -> SMTPAddressLiteral {
        try expect(UInt8(ascii: "["), error)
        let content = Array(take(while: { (33...90).contains($0) || (94...126).contains($0) }))
        try expect(UInt8(ascii: "]"), error)
        var inner = SMTPGrammarReader(content)
        if inner.skip(caseInsensitive: "IPv6:") {
            guard let octets = Self.ipv6(Array(inner.rest)) else { throw error }
            return .ipv6(octets)
        }
        if let colon = content.firstIndex(of: UInt8(ascii: ":")) {
            let tag = content[..<colon], value = content[(colon + 1)...]
            guard !tag.isEmpty, !value.isEmpty, tag.last != UInt8(ascii: "-"),
                  tag.allSatisfy({ Self.isAlpha($0) || Self.isDigit($0) || $0 == UInt8(ascii: "-") })
            else { throw error }
            return .general(tag: String(decoding: tag, as: UTF8.self), content: String(decoding: value, as: UTF8.self))
        }
        guard let octets = Self.ipv4(content) else { throw error }
        return .ipv4(octets)
    }

    // Domain / address-literal, as after "@" in a Mailbox and in EHLO.
    mutating func host(_ error: SMTPError) throws(SMTPError) -> SMTPHost {
        if peek == UInt8(ascii: "[") { return .addressLiteral(try addressLiteral(error)) }
        return .domain(try domain(error))
    }

    // IPv4-address-literal = Snum 3("." Snum)
    // Snum = 1*3DIGIT   ; representing a decimal integer value in the range 0 through 255
    static func ipv4(_ text: some Collection<UInt8>) -> [UInt8]? {
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            var reader = SMTPGrammarReader(Array(part))
            guard let value = reader.number(maxDigits: 3), reader.atEnd, value <= 255 else { return nil }
            octets.append(UInt8(value))
        }
        return octets
    }

    // IPv6-addr   = IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp
    // IPv6-hex    = 1*4HEXDIG
    // IPv6-full   = IPv6-hex 7(":" IPv6-hex)
    // IPv6-comp   = [IPv6-hex *5(":" IPv6-hex)] "::" [IPv6-hex *5(":" IPv6-hex)]
    //             ; no more than 6 groups in addition to the "::"
    // IPv6v4-full = IPv6-hex 5(":" IPv6-hex) ":" IPv4-address-literal
    // IPv6v4-comp = [IPv6-hex *3(":" IPv6-hex)] "::" [IPv6-hex *3(":" IPv6-hex) ":"] IPv4-address-literal
    //             ; no more than 4 groups in addition to the "::" and IPv4-address-literal
    static func ipv6(_ text: [UInt8]) -> [UInt8]? {
        let colon = UInt8(ascii: ":")
        var head = text[...], tail: ArraySlice<UInt8>? = nil
        if let gap = text.indices.dropLast().first(where: { text[$0] == colon && text[$0 + 1] == colon }) {
            head = text[..<gap]
            tail = text[(gap + 2)...]
        }
        guard let headWords = words(head, ipv4Allowed: tail == nil) else { return nil }
        var result = headWords
        if let tail {
            guard let tailWords = words(tail, ipv4Allowed: true), headWords.count + tailWords.count <= 6 else { return nil }
            result += Array(repeating: 0, count: 8 - headWords.count - tailWords.count) + tailWords
        }
        guard result.count == 8 else { return nil }
        return result.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// Colon-separated IPv6-hex groups, the last of which may be an IPv4 literal (two words).
    private static func words(_ text: ArraySlice<UInt8>, ipv4Allowed: Bool) -> [UInt16]? {
        guard !text.isEmpty else { return [] }
        let groups = text.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var words: [UInt16] = []
        for (position, group) in groups.enumerated() {
            if ipv4Allowed, position == groups.count - 1, group.contains(UInt8(ascii: ".")) {
                guard let octets = ipv4(group) else { return nil }
                words += [UInt16(octets[0]) << 8 | UInt16(octets[1]), UInt16(octets[2]) << 8 | UInt16(octets[3])]
                continue
            }
            guard (1...4).contains(group.count), group.allSatisfy(isHexDigit),
                  let word = UInt16(String(decoding: group, as: UTF8.self), radix: 16)
            else { return nil }
            words.append(word)
        }
        return words
    }
}
