/// What IMAP SELECT reads of a mailbox once it listens to the change feed, in one store call
/// (one snapshot in SQLite) instead of three: the messages' states in UID order, the mailbox as
/// it is now, and its first UID no session has claimed as \Recent (RFC 3501 §2.3.2).
public struct MailboxSelection: Sendable, Equatable {
    public let mailbox: Mailbox
    public let messages: [MessageState]
    public let firstRecentUID: UInt32

    public init(mailbox: Mailbox, messages: [MessageState], firstRecentUID: UInt32) {
        self.mailbox = mailbox
        self.messages = messages
        self.firstRecentUID = firstRecentUID
    }
}
