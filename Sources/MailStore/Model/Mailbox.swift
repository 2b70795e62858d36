import Foundation

/// RFC 6154 special-use attributes. Each new account gets one mailbox for each of the first five.
public enum SpecialUse: String, Sendable, Codable, CaseIterable {
    case sent = "\\Sent"
    case drafts = "\\Drafts"
    case trash = "\\Trash"
    case junk = "\\Junk"
    case archive = "\\Archive"
    case all = "\\All"
    case flagged = "\\Flagged"

    /// The mailboxes created for every new account, in display order.
    public static let defaultMailboxes: [(name: String, use: SpecialUse)] = [
        ("Sent", .sent), ("Drafts", .drafts), ("Trash", .trash), ("Junk", .junk), ("Archive", .archive),
    ]
}

public struct Mailbox: Sendable, Equatable {
    public let id: MailboxID
    public let accountID: AccountID
    public let name: String
    public let specialUse: SpecialUse?
    /// RFC 9051 §2.3.1.1: UIDs are valid only together with this value; a re-created mailbox gets a new one.
    public let uidValidity: UInt32
    public let uidNext: UInt32
    /// RFC 7162 §3.1.1: the highest mod-sequence of any change in the mailbox.
    public let highestModSeq: UInt64

    /// INBOX is case-insensitive (RFC 9051 §5.1); the hierarchy separator is "/".
    public static let inbox = "INBOX"
    public static let hierarchySeparator: Character = "/"

    public init(
        id: MailboxID, accountID: AccountID, name: String, specialUse: SpecialUse?, uidValidity: UInt32,
        uidNext: UInt32, highestModSeq: UInt64
    ) {
        self.id = id
        self.accountID = accountID
        self.name = name
        self.specialUse = specialUse
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.highestModSeq = highestModSeq
    }

    public var isInbox: Bool { name == Self.inbox }

    /// "inbox" in any case means INBOX; other names are kept as given.
    public static func normalize(_ name: String) -> String {
        name.uppercased() == inbox ? inbox : name
    }
}

/// Counters shown by `hato mailbox list` and IMAP STATUS.
public struct MailboxStatus: Sendable, Equatable {
    public let mailbox: Mailbox
    public let messages: Int
    public let unseen: Int
    public let deleted: Int
    public let bytes: Int64
    /// Messages no session has claimed as recent yet (RFC 3501 STATUS RECENT; `claimRecent`).
    public let recent: Int
    public init(mailbox: Mailbox, messages: Int, unseen: Int, deleted: Int, bytes: Int64, recent: Int = 0) {
        self.mailbox = mailbox
        self.messages = messages
        self.unseen = unseen
        self.deleted = deleted
        self.bytes = bytes
        self.recent = recent
    }
}
