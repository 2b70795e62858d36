/// What the account-level change feed tells sessions (IMAP NOTIFY, RFC 5465 §5.4-§5.7): the
/// account's mailbox names, subscriptions and METADATA entries changed. Published after the
/// commit, on every node that shares the store (`MessageStore.mailboxListChanges(account:)`).
public enum MailboxListChange: Sendable, Equatable, Codable {
    /// A mailbox was created (by CREATE, by a delivery that creates it, or as the new mailbox of
    /// a RENAME of INBOX, RFC 9051 §6.3.6).
    case created(name: String)
    /// A mailbox was deleted (its messages with it).
    case deleted(name: String)
    /// A mailbox (and the mailboxes below it, which are not listed) was renamed.
    case renamed(from: String, to: String)
    /// A name was subscribed (true) or unsubscribed (false).
    case subscription(name: String, subscribed: Bool)
    /// METADATA entries (lowercase names) of a mailbox, or of the server (`mailbox` nil), were set
    /// or removed (RFC 5464).
    case metadata(mailbox: String?, entries: [String])
}
