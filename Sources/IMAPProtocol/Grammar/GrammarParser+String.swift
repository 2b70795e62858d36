import NIOCore

extension GrammarParser {
    /// atom = 1*ATOM-CHAR
    mutating func atom() throws -> [UInt8] {
        let start = position
        while let b = peek(), Self.isAtomChar(b) { position += 1 }
        guard position > start else { throw GrammarError("expected atom") }
        return Array(text[start..<position])
    }

    /// quoted = DQUOTE *QUOTED-CHAR DQUOTE
    /// QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials / UTF8-2 / UTF8-3 / UTF8-4
    ///
    /// 8-bit octets are kept as they are (SEARCH strings in a CHARSET, RFC 9051 §6.4.4); whether
    /// they are valid is decided where the string is used.
    mutating func quoted() throws -> [UInt8] {
        try expect(UInt8(ascii: "\""), "quoted string")
        var out: [UInt8] = []
        while true {
            guard let b = peek() else { throw GrammarError("unterminated quoted string") }
            position += 1
            switch b {
            case UInt8(ascii: "\""):
                return out
            case UInt8(ascii: "\\"):
                guard let e = peek(), e == UInt8(ascii: "\"") || e == UInt8(ascii: "\\") else {
                    throw GrammarError("invalid escape in quoted string")
                }
                position += 1
                out.append(e)
            case 0x00, UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                throw GrammarError("invalid character in quoted string")
            default:
                out.append(b)
            }
        }
    }

    /// literal = "{" number64 ["+"] "}" CRLF *CHAR8 — the framing decoder already cut it out.
    /// CHAR8 = %x01-ff: NUL is refused outside literal8 (RFC 9051 §4.3, RFC 3516 §4.3).
    mutating func literalBytes() throws -> [UInt8] {
        let literal = try literal()
        guard !literal.binary else { throw GrammarError("literal8 not allowed here") }
        let bytes = Array(literal.data.readableBytesView)
        guard !bytes.contains(0) else { throw GrammarError("NUL in literal") }
        return bytes
    }

    /// string = quoted / literal
    mutating func string() throws -> [UInt8] {
        if atLiteral { return try literalBytes() }
        return try quoted()
    }

    /// astring = 1*ASTRING-CHAR / string
    mutating func astring() throws -> [UInt8] {
        if atLiteral { return try literalBytes() }
        if peek() == UInt8(ascii: "\"") { return try quoted() }
        let start = position
        while let b = peek(), Self.isAstringChar(b) { position += 1 }
        guard position > start else { throw GrammarError("expected astring") }
        return Array(text[start..<position])
    }

    /// nstring = string / nil
    mutating func nstring() throws -> [UInt8]? {
        if atLiteral || peek() == UInt8(ascii: "\"") { return try string() }
        let word = try keyword()
        guard word == "NIL" else { throw GrammarError("expected string or NIL") }
        return nil
    }

    /// An astring that must be UTF-8 (user names, passwords, header names, ID values).
    mutating func utf8Astring() throws -> String { try Self.utf8(try astring()) }

    static func utf8(_ bytes: [UInt8]) throws -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw GrammarError("invalid UTF-8") }
        return s
    }

    /// mailbox = "INBOX" / astring
    /// Decoded from modified UTF-7 for rev1 sessions, UTF-8 otherwise (RFC 9051 §5.1).
    mutating func mailbox() throws -> IMAPMailboxName {
        IMAPMailboxName(try decodeMailbox(try astring()))
    }

    /// list-mailbox = 1*list-char / string      (patterns: `%` and `*` allowed)
    mutating func listMailbox() throws -> String {
        if atLiteral || peek() == UInt8(ascii: "\"") { return try decodeMailbox(try string()) }
        let start = position
        while let b = peek(), Self.isListChar(b) { position += 1 }
        guard position > start else { throw GrammarError("expected mailbox pattern") }
        return try decodeMailbox(Array(text[start..<position]))
    }

    func decodeMailbox(_ bytes: [UInt8]) throws -> String {
        if encoding.utf8 {
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw GrammarError("mailbox name is not UTF-8", kind: .invalidMailboxName)
            }
            return s
        }
        guard let s = ModifiedUTF7.decode(bytes) else {
            throw GrammarError("mailbox name is not modified UTF-7", kind: .invalidMailboxName)
        }
        return s
    }

    /// flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword / flag-extension
    /// flag-extension = "\" atom
    /// System flags come back in their canonical spelling; keywords as sent.
    mutating func flag() throws -> String {
        if skip(UInt8(ascii: "\\")) {
            let name = String(decoding: try atom(), as: UTF8.self)
            return Self.canonicalSystemFlag("\\" + name)
        }
        return String(decoding: try atom(), as: UTF8.self)
    }

    /// flag-list = "(" [flag *(SP flag)] ")"
    mutating func flagList() throws -> [String] {
        try parenthesized(allowEmpty: true) { try $0.flag() }
    }

    static func canonicalSystemFlag(_ flag: String) -> String {
        switch flag.uppercased() {
        case "\\ANSWERED": return "\\Answered"
        case "\\FLAGGED": return "\\Flagged"
        case "\\DELETED": return "\\Deleted"
        case "\\SEEN": return "\\Seen"
        case "\\DRAFT": return "\\Draft"
        case "\\RECENT": return "\\Recent"
        default: return flag
        }
    }
}
