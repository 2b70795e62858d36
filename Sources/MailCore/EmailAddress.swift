/// A mailbox address as the envelope and the directory use it: `local-part@domain`.
///
/// Grammar (RFC 5321 §4.1.2, extended for UTF-8 by RFC 6531 §3.3):
///   Mailbox      = Local-part "@" ( Domain / address-literal )
///   Local-part   = Dot-string / Quoted-string
///   Dot-string   = Atom *("."  Atom)
///   Quoted-string = DQUOTE *QcontentSMTP DQUOTE
/// Address literals (`user@[192.0.2.1]`) are not accepted for local accounts.
public struct EmailAddress: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The local part, unquoted, with its case as given.
    public let localPart: String
    public let domain: Domain

    /// RFC 5321 §4.5.3.1.1 and §4.5.3.1.3: local part 64 octets, path 256 octets (254 for the address).
    public static let maxLocalPartLength = 64
    public static let maxLength = 254

    public init(localPart: String, domain: Domain) throws(MailCoreError) {
        guard !localPart.isEmpty else { throw .invalidAddress("@" + domain.name, "empty local part") }
        guard localPart.utf8.count <= Self.maxLocalPartLength else {
            throw .invalidAddress(localPart + "@" + domain.name, "local part longer than \(Self.maxLocalPartLength) octets")
        }
        guard !localPart.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidAddress(localPart + "@" + domain.name, "control characters in local part")
        }
        self.localPart = localPart
        self.domain = domain
        // A dot-string's length is known without building the text (the usual case); a quoted
        // one is measured as written.
        let length = Self.isDotString(Substring(localPart)) ? localPart.utf8.count + 1 + domain.name.utf8.count : description.utf8.count
        guard length <= Self.maxLength else {
            throw .invalidAddress(description, "longer than \(Self.maxLength) octets")
        }
    }

    /// Parses `local@domain` or `"quoted local"@domain`, with or without angle brackets.
    public init(_ text: String) throws(MailCoreError) {
        // ASCII `dot-atom@domain`, the usual case, found octet by octet: in ASCII text every
        // Character is one octet, so this finds what the Character path below finds. Anything
        // else, and any error, goes the general way (which also words the error).
        if let local = Self.asciiDotAtomLocalPart(text), let domain = try? Domain(String(text[text.index(after: local.endIndex)...])) {
            try self.init(localPart: String(local), domain: domain)
            return
        }
        try self.init(generalParsing: text)
    }

    /// `init(_:)` for any text: Characters, quotes, angle brackets, error wording.
    init(generalParsing text: String) throws(MailCoreError) {
        var body = Substring(text)
        if body.hasPrefix("<") && body.hasSuffix(">") { body = body.dropFirst().dropLast() }
        guard let at = body.lastIndex(of: "@") else { throw .invalidAddress(text, "missing @") }
        let local = body[..<at]
        let domainText = String(body[body.index(after: at)...])
        guard !domainText.hasPrefix("[") else { throw .invalidAddress(text, "address literals are not accepted") }
        let domain: Domain
        do { domain = try Domain(domainText) } catch { throw .invalidAddress(text, error.description) }
        let localPart: String
        if local.hasPrefix("\"") {
            guard let unquoted = Self.unquote(local) else { throw .invalidAddress(text, "malformed quoted local part") }
            localPart = unquoted
        } else {
            guard Self.isDotString(local) else { throw .invalidAddress(text, "local part is not a dot-atom") }
            localPart = String(local)
        }
        try self.init(localPart: localPart, domain: domain)
    }

    /// The key the directory matches on: local part lower-cased (mail systems treat local parts
    /// case-insensitively in practice, as Postfix and Dovecot do), domain already canonical.
    public var canonical: String { localPart.lowercased() + "@" + domain.name }

    /// `user+tag@domain` without `+tag`, or nil when there is no separator (subaddressing, RFC 5233).
    public func removingSubaddress(separator: Character = "+") -> EmailAddress? {
        guard let index = localPart.firstIndex(of: separator), index != localPart.startIndex else { return nil }
        return try? EmailAddress(localPart: String(localPart[..<index]), domain: domain)
    }

    /// The subaddress after the separator, if any.
    public func subaddress(separator: Character = "+") -> String? {
        guard let index = localPart.firstIndex(of: separator), index != localPart.startIndex else { return nil }
        return String(localPart[localPart.index(after: index)...])
    }

    public var description: String {
        (Self.isDotString(Substring(localPart)) ? localPart : Self.quote(localPart)) + "@" + domain.name
    }

    /// RFC 5322 §3.2.3 atext, plus any non-ASCII scalar (RFC 6531 §3.3 UTF8-non-ascii).
    static func isAtext(_ scalar: Unicode.Scalar) -> Bool {
        if !scalar.isASCII { return true }
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        default: return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(scalar)
        }
    }

    /// The local part of ASCII text `local@domain` whose local part is a dot-string and whose
    /// domain is not an address literal; nil for anything else (angle brackets, quotes, UTF-8).
    static func asciiDotAtomLocalPart(_ text: String) -> Substring? {
        let utf8 = text.utf8
        guard let at = utf8.lastIndex(of: UInt8(ascii: "@")), utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        let local = text[..<at]
        guard utf8.index(after: at) < utf8.endIndex, utf8[utf8.index(after: at)] != UInt8(ascii: "["), isDotString(local) else { return nil }
        return local
    }

    /// Atoms of `isAtext` scalars joined by single dots. ASCII text is checked octet by octet
    /// (the risk stage parses every stored correspondent's address for each message:
    /// docs/PERFORMANCE.md); other text atom by atom as Characters, where a dot followed by a
    /// combining mark is no separator (`DotStringOctetTests` holds the two to the same answers).
    static func isDotString(_ text: Substring) -> Bool {
        var atomLength = 0
        for octet in text.utf8 {
            if octet == UInt8(ascii: ".") {
                guard atomLength > 0 else { return false }
                atomLength = 0
            } else if octet < 0x80 {
                guard asciiAtext[Int(octet)] else { return false }
                atomLength += 1
            } else {
                let atoms = text.split(separator: ".", omittingEmptySubsequences: false)
                return atoms.allSatisfy { atom in !atom.isEmpty && atom.unicodeScalars.allSatisfy(isAtext) }
            }
        }
        return atomLength > 0
    }

    /// RFC 5322 §3.2.3 atext among the ASCII octets (the table `isAtext` describes).
    private static let asciiAtext: [Bool] = (0..<128).map { isAtext(Unicode.Scalar(UInt8($0))) }

    /// RFC 5321 §4.1.2 QcontentSMTP = qtextSMTP / quoted-pairSMTP
    static func unquote(_ text: Substring) -> String? {
        guard text.count >= 2, text.hasSuffix("\"") else { return nil }
        var result = ""
        var escaped = false
        for scalar in text.dropFirst().dropLast().unicodeScalars {
            if escaped {
                guard scalar.value >= 32 && scalar.value <= 126 else { return nil }
                result.unicodeScalars.append(scalar)
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "\"" {
                return nil
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return escaped ? nil : result
    }

    static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { result.append("\\") }
            result.unicodeScalars.append(scalar)
        }
        return result + "\""
    }

    public init(from decoder: any Decoder) throws {
        self = try EmailAddress(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
