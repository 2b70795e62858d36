// SPF macros, RFC 7208 §7.1:
//
//   domain-spec      = macro-string domain-end
//   domain-end       = ( "." toplabel [ "." ] ) / macro-expand
//   toplabel         = ( *alphanum ALPHA *alphanum ) /
//                      ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
//   explain-string   = *( macro-string / SP )
//   macro-string     = *( macro-expand / macro-literal )
//   macro-expand     = ( "%{" macro-letter transformers *delimiter "}" )
//                      / "%%" / "%_" / "%-"
//   macro-literal    = %x21-24 / %x26-7E
//   macro-letter     = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" / "t" / "v"
//   transformers     = *DIGIT [ "r" ]
//   delimiter        = "." / "-" / "+" / "," / "/" / "_" / "="

struct SPFSyntaxError: Error, Hashable {
    var message: String
    init(_ message: String) { self.message = message }
}

struct SPFMacroString: Hashable, Sendable {
    enum Part: Hashable, Sendable {
        case literal(String)
        /// `uppercase` means URL-escape the expansion (§7.3).
        case macro(letter: Character, uppercase: Bool, keep: Int?, reverse: Bool, delimiters: [Character])
    }

    var parts: [Part]
    /// True when the text ends in a macro-expand (including "%%", "%_" and "%-").
    var endsWithMacroExpand = false

    /// True when a macro letter allowed only in exp= text (c, r, t) is present (§7.2).
    var usesExplanationOnlyLetters: Bool {
        parts.contains { if case .macro(let l, _, _, _, _) = $0 { "crt".contains(l) } else { false } }
    }

    /// Parses a macro-string, or an explain-string when `allowSpace` is true.
    static func parse(_ text: Substring, allowSpace: Bool = false) throws(SPFSyntaxError) -> SPFMacroString {
        var parts: [Part] = []
        var literal = ""
        let chars = Array(text.unicodeScalars)
        var index = 0
        var lastWasExpand = false
        func flush() {
            if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
        }
        while index < chars.count {
            let c = chars[index]
            if c == "%" {
                guard index + 1 < chars.count else { throw SPFSyntaxError("'%' at end of macro-string") }
                let next = chars[index + 1]
                lastWasExpand = true
                switch next {
                case "%": literal += "%"; index += 2; continue
                case "_": literal += " "; index += 2; continue
                case "-": literal += "%20"; index += 2; continue
                case "{": break
                default: throw SPFSyntaxError("'%' not followed by '{', '%', '_' or '-' (§7.3)")
                }
                flush()
                guard let close = chars[(index + 2)...].firstIndex(of: "}") else {
                    throw SPFSyntaxError("unterminated macro")
                }
                parts.append(try parseExpand(Array(chars[(index + 2)..<close])))
                index = close + 1
                continue
            }
            let v = c.value
            guard (0x21...0x7E).contains(v) || (allowSpace && v == 0x20) else {
                throw SPFSyntaxError("character \(v) not allowed in macro-string")
            }
            literal.unicodeScalars.append(c)
            lastWasExpand = false
            index += 1
        }
        flush()
        return SPFMacroString(parts: parts, endsWithMacroExpand: lastWasExpand)
    }

    /// macro-letter transformers *delimiter, between "%{" and "}".
    private static func parseExpand(_ body: [Unicode.Scalar]) throws(SPFSyntaxError) -> Part {
        guard let first = body.first else { throw SPFSyntaxError("empty macro") }
        let letter = Character(String(first).lowercased())
        guard "slodiphcrtv".contains(letter) else { throw SPFSyntaxError("unknown macro letter \(first)") }
        let uppercase = first.properties.isUppercase
        var index = 1
        var digits = ""
        while index < body.count, ("0"..."9").contains(body[index]) {
            digits.unicodeScalars.append(body[index])
            index += 1
        }
        var keep: Int? = nil
        if !digits.isEmpty {
            // §7.3: "If a DIGIT is specified, the value MUST be nonzero."
            guard let n = Int(digits.prefix(4)), n > 0 else { throw SPFSyntaxError("zero or huge DIGIT transformer") }
            keep = min(n, SPFLimits.maxTransformerDigits)
        }
        var reverse = false
        if index < body.count, body[index] == "r" || body[index] == "R" {
            reverse = true
            index += 1
        }
        var delimiters: [Character] = []
        while index < body.count {
            let d = Character(body[index])
            guard ".-+,/_=".contains(d) else { throw SPFSyntaxError("bad macro delimiter \(d)") }
            delimiters.append(d)
            index += 1
        }
        return .macro(letter: letter, uppercase: uppercase, keep: keep, reverse: reverse, delimiters: delimiters)
    }

    /// Parses a domain-spec: a macro-string that ends in "." toplabel ["."] or in a macro-expand.
    static func parseDomainSpec(_ text: Substring) throws(SPFSyntaxError) -> SPFMacroString {
        let spec = try parse(text)
        guard let last = spec.parts.last else { throw SPFSyntaxError("empty domain-spec") }
        // §7.2: c, r and t are allowed only in exp= text.
        if spec.usesExplanationOnlyLetters { throw SPFSyntaxError("macros c, r and t belong in exp= text only") }
        if spec.endsWithMacroExpand { return spec }
        switch last {
        case .macro:
            return spec
        case .literal(let tail):
            var body = Substring(tail)
            if body.hasSuffix(".") { body = body.dropLast() }
            guard let dot = body.lastIndex(of: "."), isTopLabel(body[body.index(after: dot)...]) else {
                throw SPFSyntaxError("domain-spec does not end in a valid top label")
            }
            return spec
        }
    }

    /// toplabel: letters, digits and inner hyphens, not all digits (§7.1, RFC 3696 §2).
    static func isTopLabel(_ label: Substring) -> Bool {
        guard !label.isEmpty, label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }),
              label.first != "-", label.last != "-"
        else { return false }
        return label.contains { $0.isLetter }
    }
}
