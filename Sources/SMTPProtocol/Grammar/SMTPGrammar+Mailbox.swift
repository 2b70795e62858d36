/// A Mailbox (RFC 5321 §4.1.2). The local-part is kept unquoted (quoted-pairs resolved), since
/// "all quoted forms MUST be treated as equivalent"; `description` re-quotes it minimally.
/// A local-part may be case-sensitive, so it is never case-folded here.
public struct SMTPMailbox: Sendable, Hashable, CustomStringConvertible {
    public var localPart: String
    public var host: SMTPHost

    public init(localPart: String, host: SMTPHost) {
        self.localPart = localPart
        self.host = host
    }

    /// Whether any part is non-ASCII (needs SMTPUTF8, RFC 6531).
    public var isASCII: Bool { localPart.utf8.allSatisfy { $0 < 0x80 } && host.description.utf8.allSatisfy { $0 < 0x80 } }

    public var description: String { "\(Self.quotedIfNeeded(localPart))@\(host)" }

    /// The local-part as a Dot-string when it is one, otherwise as a Quoted-string.
    public static func quotedIfNeeded(_ localPart: String) -> String {
        var reader = SMTPGrammarReader(Array(localPart.utf8), utf8Allowed: true)
        if (try? reader.dotString(.syntaxErrorInParameters)) != nil, reader.atEnd { return localPart }
        var quoted = "\""
        for character in localPart {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}

/// A Path: the mailbox and the source route before it, if any. RFC 5321 §4.1.1.3 and Appendix C:
/// a source route "MUST BE accepted, SHOULD NOT be generated, and SHOULD be ignored"; it is
/// reported so that a relay check can refuse it.
public struct SMTPPath: Sendable, Hashable, CustomStringConvertible {
    public var mailbox: SMTPMailbox
    /// The At-domains, in order, without "@".
    public var sourceRoute: [String]

    public init(mailbox: SMTPMailbox, sourceRoute: [String] = []) {
        self.mailbox = mailbox
        self.sourceRoute = sourceRoute
    }

    public var description: String {
        let route = sourceRoute.isEmpty ? "" : sourceRoute.map { "@" + $0 }.joined(separator: ",") + ":"
        return "<\(route)\(mailbox)>"
    }
}

/// Reverse-path = Path / "<>"
public enum SMTPReversePath: Sendable, Hashable, CustomStringConvertible {
    /// "<>": bounces and other notifications (RFC 5321 §4.5.5).
    case null
    case path(SMTPPath)

    public var description: String {
        switch self {
        case .null: "<>"
        case .path(let path): path.description
        }
    }
}

/// "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path )
public enum SMTPForwardPath: Sendable, Hashable, CustomStringConvertible {
    /// "<Postmaster>" without a domain (any case): the server's own postmaster (RFC 5321 §4.5.1).
    case postmaster
    case path(SMTPPath)

    public var description: String {
        switch self {
        case .postmaster: "<Postmaster>"
        case .path(let path): path.description
        }
    }
}

extension SMTPGrammarReader {
    // Reverse-path = Path / "<>"
    mutating func reversePath(maxLength: Int, _ error: SMTPError) throws(SMTPError) -> SMTPReversePath {
        let start = index
        try expect(UInt8(ascii: "<"), error)
        if skip(UInt8(ascii: ">")) { return .null }
        let path = try pathAfterBracket(allowPostmaster: false, error)
        guard index - start <= maxLength, case .path(let result) = path else { throw error }
        return .path(result)
    }

    // "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path
    // Forward-path = Path
    mutating func forwardPath(maxLength: Int, _ error: SMTPError) throws(SMTPError) -> SMTPForwardPath {
        let start = index
        try expect(UInt8(ascii: "<"), error)
        let path = try pathAfterBracket(allowPostmaster: true, error)
        guard index - start <= maxLength else { throw error }
        return path
    }

    // Path  = "<" [ A-d-l ":" ] Mailbox ">"
    // A-d-l = At-domain *( "," At-domain )
    // At-domain = "@" Domain
    private mutating func pathAfterBracket(allowPostmaster: Bool, _ error: SMTPError) throws(SMTPError) -> SMTPForwardPath {
        var route: [String] = []
        if peek == UInt8(ascii: "@") {
            repeat {
                try expect(UInt8(ascii: "@"), error)
                route.append(try domain(error))
            } while skip(UInt8(ascii: ","))
            try expect(UInt8(ascii: ":"), error)
        }
        let local = try localPart(error)
        if allowPostmaster, route.isEmpty, local.lowercased() == "postmaster", skip(UInt8(ascii: ">")) {
            return .postmaster
        }
        try expect(UInt8(ascii: "@"), error)
        let host = try host(error)
        try expect(UInt8(ascii: ">"), error)
        return .path(SMTPPath(mailbox: SMTPMailbox(localPart: local, host: host), sourceRoute: route))
    }

    // Mailbox = Local-part "@" ( Domain / address-literal )
    /// A Mailbox on its own (the xtext-decoded AUTH= parameter, RFC 4954 §5).
    mutating func mailbox(_ error: SMTPError) throws(SMTPError) -> SMTPMailbox {
        let local = try localPart(error)
        try expect(UInt8(ascii: "@"), error)
        return SMTPMailbox(localPart: local, host: try host(error))
    }

    // Local-part = Dot-string / Quoted-string   ; MAY be case-sensitive
    mutating func localPart(_ error: SMTPError) throws(SMTPError) -> String {
        peek == UInt8(ascii: "\"") ? try quotedString(error) : try dotString(error)
    }

    // Dot-string = Atom *("." Atom)
    // Atom       = 1*atext
    // atext      = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "/" /
    //              "=" / "?" / "^" / "_" / "`" / "{" / "|" / "}" / "~"      (RFC 5322 §3.2.3)
    // atext      =/ UTF8-non-ascii                                           (RFC 6531 §3.3)
    mutating func dotString(_ error: SMTPError) throws(SMTPError) -> String {
        let start = index
        repeat {
            let atomStart = index
            while let byte = peek {
                if Self.isAText(byte) { index += 1 } else if !takeUTF8NonASCII() { break }
            }
            guard index > atomStart else { throw error }
        } while skip(UInt8(ascii: "."))
        guard let text = Self.string(bytes[start..<index]) else { throw error }
        return text
    }

    // Quoted-string   = DQUOTE *QcontentSMTP DQUOTE
    // QcontentSMTP    = qtextSMTP / quoted-pairSMTP
    // quoted-pairSMTP = %d92 %d32-126
    // qtextSMTP       = %d32-33 / %d35-91 / %d93-126
    // qtextSMTP       =/ UTF8-non-ascii                                      (RFC 6531 §3.3)
    /// Returns the content with the quoting removed.
    mutating func quotedString(_ error: SMTPError) throws(SMTPError) -> String {
        try expect(UInt8(ascii: "\""), error)
        var content: [UInt8] = []
        while true {
            guard let byte = peek else { throw error }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = Self.string(content) else { throw error }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard let quoted = take(), (32...126).contains(quoted) else { throw error }
                content.append(quoted)
            case 32...126:
                index += 1
                content.append(byte)
            default:
                guard takeUTF8NonASCII() else { throw error }
                content.append(byte)
            }
        }
    }

    static func isAText(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "?"),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"),
            UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
