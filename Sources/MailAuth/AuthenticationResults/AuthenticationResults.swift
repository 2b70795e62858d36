// Authentication-Results (RFC 8601): one field per receiving host, authserv-id = hostname,
// with one resinfo per method result (§2.2):
//
//   authres-payload = [CFWS] authserv-id [ CFWS authres-version ] ( no-result / 1*resinfo ) [CFWS] CRLF
//   resinfo = [CFWS] ";" methodspec [ CFWS reasonspec ] [ CFWS 1*propspec ]
//   methodspec = [CFWS] method [CFWS] "=" [CFWS] result
//   propspec = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
//   pvalue = [CFWS] ( value / [ [ local-part ] "@" ] domain-name ) [CFWS]

/// One method result (resinfo).
public struct AuthenticationResult: Sendable, Hashable {
    public struct Property: Sendable, Hashable {
        public var type: String
        public var name: String
        public var value: String
        public init(_ type: String, _ name: String, _ value: String) {
            self.type = type
            self.name = name
            self.value = value
        }
    }

    public var method: String
    public var result: String
    /// RFC 8601 §2.2 reasonspec: a human-readable reason (quoted when needed).
    public var reason: String?
    /// A comment after the result, e.g. DMARC's "(p=reject dis=reject)".
    public var comment: String?
    public var properties: [Property]

    public init(method: String, result: String, reason: String? = nil, comment: String? = nil, properties: [Property] = []) {
        self.method = method
        self.result = result
        self.reason = reason
        self.comment = comment
        self.properties = properties
    }

    /// The resinfo text after ";" (no leading whitespace).
    /// Appended piece by piece into one String: an interpolation per property built and copied
    /// a temporary each time (issue 24).
    public var encoded: String {
        var text = method
        text.reserveCapacity(64 + properties.reduce(0) { $0 + $1.type.utf8.count + $1.name.utf8.count + $1.value.utf8.count + 4 })
        text.append("=")
        text.append(result)
        if let comment, !comment.isEmpty {
            text.append(" (")
            text.append(AuthenticationResultsEncoding.commentText(comment))
            text.append(")")
        }
        if let reason, !reason.isEmpty {
            text.append(" reason=")
            text.append(AuthenticationResultsEncoding.value(reason))
        }
        for property in properties {
            text.append(" ")
            text.append(property.type)
            text.append(".")
            text.append(property.name)
            text.append("=")
            text.append(AuthenticationResultsEncoding.propertyValue(property.value))
        }
        return text
    }
}

/// The builder for the one field Hato adds.
public struct AuthenticationResultsBuilder: Sendable {
    public var authservID: String
    public private(set) var results: [AuthenticationResult] = []

    public init(authservID: String) {
        self.authservID = authservID
    }

    public mutating func add(_ result: AuthenticationResult) {
        results.append(result)
    }

    /// The whole field, folded one resinfo per line, CRLF-terminated. No results: "none" (§2.2 no-result).
    public var field: String {
        var text = "Authentication-Results: \(AuthenticationResultsEncoding.value(authservID))"
        if results.isEmpty { return text + "; none\r\n" }
        for result in results { text += ";\r\n\t" + result.encoded }
        return text + "\r\n"
    }
}

/// Token, quoted-string and comment encoding (RFC 2045 §5.1 token, RFC 5322 §3.2.4 quoted-string).
enum AuthenticationResultsEncoding {
    static let tspecials = Set("()<>@,;:\\\"/[]?=".unicodeScalars)

    /// Over UTF-8 bytes, with `tspecials` as a switch: a byte of 0x80 or more belongs to a
    /// non-ASCII scalar, which is no token character either (the Set lookups per scalar cost
    /// 44 K instructions per message, issue 24).
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !isTSpecial($0) }
    }

    static func isTSpecial(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"), UInt8(ascii: ","),
             UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "["),
             UInt8(ascii: "]"), UInt8(ascii: "?"), UInt8(ascii: "="):
            true
        default:
            false
        }
    }

    /// value = token / quoted-string
    static func value(_ text: String) -> String {
        isToken(text) ? text : quoted(text)
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            if scalar == "\"" || scalar == "\\" { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out + "\""
    }

    /// pvalue: a domain or an address (local-part@domain) written as is when it is a dot-atom
    /// address or domain, otherwise a quoted-string.
    static func propertyValue(_ text: String) -> String {
        if isToken(text) { return text }
        // By UTF-8 byte: `lastIndex(of:)` over Characters walked the value's grapheme clusters
        // (7,500 instructions a property, issue 24); "@" is ASCII, so its index is a boundary.
        if let at = text.utf8.lastIndex(of: UInt8(ascii: "@")) {
            let local = text[..<at], domain = text[text.utf8.index(after: at)...]
            if isDomain(domain) && (local.isEmpty || isDotAtom(local)) { return text }
        }
        return quoted(text)
    }

    static func isDomain(_ text: Substring) -> Bool {
        if let ascii = asciiLabels(text, allowing: { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) { return ascii }
        return !text.isEmpty && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")) || $0.value > 0x7F }
        }
    }

    /// RFC 5322 §3.2.3 dot-atom-text.
    static func isDotAtom(_ text: Substring) -> Bool {
        if let ascii = asciiLabels(text, allowing: { isAlphanumeric($0) || isAtextSymbol($0) }) { return ascii }
        let atext = Set("!#$%&'*+-/=?^_`{|}~".unicodeScalars)
        return !text.isEmpty && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { atom in
            !atom.isEmpty && atom.unicodeScalars.allSatisfy {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || atext.contains($0))) || $0.value > 0x7F
            }
        }
    }

    /// For an ASCII text (where a byte is a Character): whether it is one or more non-empty
    /// dot-separated labels of `allowed` bytes, as `isDomain` and `isDotAtom` decide over
    /// Characters and scalars; nil for other texts, which they decide themselves.
    static func asciiLabels(_ text: Substring, allowing allowed: (UInt8) -> Bool) -> Bool? {
        guard text.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) else { return nil }
        guard !text.isEmpty else { return false }
        var labelLength = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard labelLength > 0 else { return false }
                labelLength = 0
            } else {
                guard allowed(byte) else { return false }
                labelLength += 1
            }
        }
        return labelLength > 0
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }

    /// The symbols of RFC 5322 §3.2.3 atext.
    static func isAtextSymbol(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "?"),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"),
             UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// ctext without unbalanced parentheses or control characters.
    /// Only ASCII bytes are ever left out, and UTF-8 puts none inside a longer sequence: a text
    /// without them is returned as it is.
    static func commentText(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: ")") || $0 == UInt8(ascii: "\\") })
        else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F && $0 != "(" && $0 != ")" && $0 != "\\" }))
    }
}
