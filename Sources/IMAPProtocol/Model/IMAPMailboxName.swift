/// A mailbox name as the session uses it: Unicode, with every case variant of INBOX turned into
/// "INBOX" (RFC 9051 §5.1). On the wire it is modified UTF-7 for IMAP4rev1 clients (RFC 3501
/// §5.1.3) and UTF-8 after ENABLE IMAP4rev2 or UTF8=ACCEPT (RFC 9051 §5.1, RFC 9755).
public struct IMAPMailboxName: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var name: String

    public init(_ name: String) {
        self.name = name.utf8.count == 5 && name.uppercased() == "INBOX" ? "INBOX" : name
    }

    public static let inbox = IMAPMailboxName("INBOX")

    public var isInbox: Bool { name == "INBOX" }
    public var description: String { name }
}

/// How mailbox names and strings travel on this connection.
public struct IMAPTextEncoding: Sendable, Equatable {
    /// true after ENABLE IMAP4rev2 / UTF8=ACCEPT: mailbox names are UTF-8 and quoted strings may
    /// carry UTF-8 (RFC 9051 §9 QUOTED-CHAR with UTF8-2/3/4). false: modified UTF-7 names and
    /// 7-bit quoted strings (RFC 3501 §4.3, §5.1.3).
    public var utf8: Bool

    public init(utf8: Bool) { self.utf8 = utf8 }

    public static let imap4rev1 = IMAPTextEncoding(utf8: false)
    public static let utf8Accepted = IMAPTextEncoding(utf8: true)
}
