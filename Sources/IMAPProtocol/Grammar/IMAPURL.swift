/// A message or message part on this server named by an IMAP URL (RFC 5092), in the relative
/// forms CATENATE takes (RFC 4469 §3): no scheme, no server, no URLAUTH.
public struct IMAPMessageURL: Sendable, Equatable {
    public var mailbox: IMAPMailboxName
    /// `;UIDVALIDITY=n`: the URL names nothing when the mailbox's UIDVALIDITY differs (RFC 5092 §6).
    public var uidValidity: UInt32?
    public var uid: UInt32
    /// `;SECTION=`: an IMAP `section-spec` (RFC 9051 §6.4.5); nil for the whole message.
    public var section: IMAPSection?
    /// `;PARTIAL=offset[.length]` (RFC 5092 §5): octets of the section from `offset`, at most `length`.
    public var partial: IMAPURLPartial?

    public init(mailbox: IMAPMailboxName, uidValidity: UInt32? = nil, uid: UInt32, section: IMAPSection? = nil,
                partial: IMAPURLPartial? = nil) {
        self.mailbox = mailbox
        self.uidValidity = uidValidity
        self.uid = uid
        self.section = section
        self.partial = partial
    }
}

/// partial-range = number ["." nz-number]                               (RFC 5092 §11)
public struct IMAPURLPartial: Sendable, Equatable {
    public var offset: UInt32
    public var length: UInt32?

    public init(offset: UInt32, length: UInt32?) {
        self.offset = offset
        self.length = length
    }
}

/// The IMAP URL parser (RFC 5092 §11 ABNF), for message and message-part URLs only:
///
///     iabsolute-path = "/" [ icommand ]
///     icommand       = imessagelist / imessagepart [iurlauth]
///     imessagepart   = imailbox-ref iuid [isection] [ipartial]
///     imailbox-ref   = enc-mailbox [uidvalidity]
///     uidvalidity    = ";UIDVALIDITY=" nz-number
///     iuid           = "/" iuid-only ;  iuid-only = ";UID=" nz-number
///     isection       = "/" isection-only ;  isection-only = ";SECTION=" enc-section
///     ipartial       = "/" ipartial-only ;  ipartial-only = ";PARTIAL=" partial-range
///     imsg-or-part   = ( imailbox-ref "/" iuid-only ["/" isection-only] ["/" ipartial-only] )
///                    / ( iuid-only ["/" isection-only] ["/" ipartial-only] ) / ...
///     enc-mailbox    = 1*bchar ; enc-section = 1*bchar
///     bchar = achar / ":" / "@" / "/" ; achar = uchar / "&" / "=" ;
///     uchar = unreserved / pct-encoded / sub-delims-sh
///
/// Keywords compare without regard to case. The base is `imap://user@server/` or, with a
/// mailbox selected, `imap://user@server/<mailbox>` (RFC 4469 §3): a URL starting with `;UID=`
/// names a message of the selected mailbox; one starting with a mailbox name replaces the last
/// hierarchy level of the selected one (RFC 3986 §5.2.3 merge, delimiter `/`). Mailbox names are
/// %-decoded UTF-8 (RFC 5092 §9 with RFC 3986). Anything else (a scheme or server, a message
/// list, URLAUTH, a bad escape, a section that is not a `section-spec`) is nil: `BADURL`.
public enum IMAPURL {
    public static func parse(_ url: String, selectedMailbox: IMAPMailboxName?) -> IMAPMessageURL? {
        var bytes = Array(url.utf8)
        guard !bytes.isEmpty, bytes.allSatisfy({ isBChar($0) || $0 == UInt8(ascii: ";") }) else { return nil }
        if bytes.first == UInt8(ascii: ";") {
            guard let selected = selectedMailbox else { return nil }
            var cursor = Cursor(bytes: bytes)
            return cursor.messagePart(mailbox: selected, uidValidity: nil)
        }
        if bytes.first != UInt8(ascii: "/") {
            // RFC 3986 §5.2.3: the base's last segment gives way to the relative path.
            let base = selectedMailbox.map { Array($0.name.utf8) } ?? []
            let directory = base.lastIndex(of: UInt8(ascii: "/")).map { Array(base[...$0]) } ?? []
            bytes = [UInt8(ascii: "/")] + directory.flatMap(percentEncoded) + bytes
        }
        // "//" would start a server (inetwork-path).
        guard bytes.count > 1, bytes[1] != UInt8(ascii: "/") else { return nil }
        var cursor = Cursor(bytes: bytes, position: 1)
        return cursor.absolute()
    }

    static func isBChar(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("-._~%!$'()*+,&=:@/".utf8).contains(b)
        }
    }

    /// A relative reference carries the selected mailbox's name %-encoded where needed.
    static func percentEncoded(_ b: UInt8) -> [UInt8] {
        if isBChar(b) && b != UInt8(ascii: "%") { return [b] }
        let hex = Array("0123456789ABCDEF".utf8)
        return [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
    }

    struct Cursor {
        let bytes: [UInt8]
        var position = 0

        /// After the leading "/": imailbox-ref iuid [isection] [ipartial]. With `tail`, the URL
        /// may go on with `;EXPIRE=` or `;URLAUTH=` (RFC 4467 §3), left at the cursor.
        mutating func absolute(tail: Bool = false) -> IMAPMessageURL? {
            let start = position
            while position < bytes.count, bytes[position] != UInt8(ascii: ";") { position += 1 }
            var run = Array(bytes[start..<position])
            var uidValidity: UInt32? = nil
            if keyword("UIDVALIDITY") {
                guard let value = number(nonZero: true) else { return nil }
                uidValidity = value
                guard position < bytes.count, bytes[position] == UInt8(ascii: "/") else { return nil }
                position += 1
            } else {
                // The "/" before ";UID=" belongs to iuid, not to the mailbox name.
                guard run.last == UInt8(ascii: "/") else { return nil }
                run.removeLast()
            }
            guard !run.isEmpty, let decoded = Self.percentDecoded(run), let name = String(validating: decoded, as: UTF8.self),
                  !name.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." || $0.isEmpty })
            else { return nil }
            return messagePart(mailbox: IMAPMailboxName(name), uidValidity: uidValidity, tail: tail)
        }

        /// iuid-only ["/" isection-only] ["/" ipartial-only], then the end (or, with `tail`, the
        /// URLAUTH extensions).
        mutating func messagePart(mailbox: IMAPMailboxName, uidValidity: UInt32?, tail: Bool = false) -> IMAPMessageURL? {
            guard keyword("UID"), let uid = number(nonZero: true) else { return nil }
            var url = IMAPMessageURL(mailbox: mailbox, uidValidity: uidValidity, uid: uid)
            if slashKeyword("SECTION") {
                let start = position
                // enc-section may hold "/", but never ";": it runs to "/;PARTIAL=" or the end.
                while position < bytes.count, bytes[position] != UInt8(ascii: ";") { position += 1 }
                var run = Array(bytes[start..<position])
                if position < bytes.count, !(tail && atURLAuthTail) {
                    guard run.last == UInt8(ascii: "/") else { return nil }
                    run.removeLast()
                    position -= 1
                }
                guard !run.isEmpty, let decoded = Self.percentDecoded(run), let section = Self.section(decoded) else { return nil }
                url.section = section
            }
            if slashKeyword("PARTIAL") {
                guard let offset = number(nonZero: false) else { return nil }
                var length: UInt32? = nil
                if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                    position += 1
                    guard let value = number(nonZero: true) else { return nil }
                    length = value
                }
                url.partial = IMAPURLPartial(offset: offset, length: length)
            }
            return position == bytes.count || (tail && atURLAuthTail) ? url : nil
        }

        /// iurlauth-rump = [expire] ";URLAUTH=" access       (RFC 4467 §9) starts here.
        var atURLAuthTail: Bool {
            var probe = self
            return probe.keyword("EXPIRE") || probe.keyword("URLAUTH")
        }

        /// ";" name "=" at the cursor, without regard to case.
        mutating func keyword(_ name: String) -> Bool {
            let wanted = Array(";\(name)=".utf8)
            guard bytes.count - position >= wanted.count,
                  zip(bytes[position...], wanted).allSatisfy({ asciiUpper($0) == $1 }) else { return false }
            position += wanted.count
            return true
        }

        mutating func slashKeyword(_ name: String) -> Bool {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "/") else { return false }
            position += 1
            if keyword(name) { return true }
            position -= 1
            return false
        }

        /// number / nz-number: 1-10 digits, at most 4294967295 (RFC 9051 §9).
        mutating func number(nonZero: Bool) -> UInt32? {
            var value: UInt64 = 0
            let start = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                value = value * 10 + UInt64(bytes[position] - UInt8(ascii: "0"))
                position += 1
                if position - start > 10 { return nil }
            }
            guard position > start, value <= UInt64(UInt32.max), !(nonZero && (value == 0 || bytes[start] == UInt8(ascii: "0")))
            else { return nil }
            return UInt32(value)
        }

        /// pct-encoded = "%" HEXDIG HEXDIG (RFC 3986 §2.1).
        static func percentDecoded(_ bytes: [UInt8]) -> [UInt8]? {
            var out: [UInt8] = []
            var i = 0
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "%") {
                    guard i + 2 < bytes.count, let high = hex(bytes[i + 1]), let low = hex(bytes[i + 2]) else { return nil }
                    out.append(high << 4 | low)
                    i += 3
                } else {
                    out.append(bytes[i])
                    i += 1
                }
            }
            return out
        }

        static func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
            default: nil
            }
        }

        /// enc-section is a %-encoded `section-spec`: read with FETCH's own section rule.
        static func section(_ spec: [UInt8]) -> IMAPSection? {
            let text = [UInt8(ascii: "[")] + spec + [UInt8(ascii: "]")]
            var parser = GrammarParser(IMAPCommandBytes(text: text), limits: IMAPLimits(), encoding: .utf8Accepted)
            guard let section = try? parser.section(), (try? parser.end()) != nil else { return nil }
            return section
        }
    }
}
