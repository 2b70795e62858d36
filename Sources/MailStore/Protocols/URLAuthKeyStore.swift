/// RFC 4467 §2.2 mailbox access keys: each account has a table of its mailboxes and one secret
/// key for each, with which URLAUTH-authorized URLs are signed (IMAP GENURLAUTH) and checked
/// (URLFETCH). The store keeps the octets it is given; the caller makes them (at least 128 random
/// bits) and never logs them. A mailbox's key goes with the mailbox when it is deleted and stays
/// with it across RENAME (a URL names the mailbox by name, so old URLs then name nothing).
public protocol URLAuthKeyStore: Sendable {
    /// The account's key for `mailbox`, or nil when it has none (URLFETCH must not make one).
    func urlAuthKey(of account: AccountID, mailbox: MailboxID) async throws -> [UInt8]?
    /// The account's key for `mailbox`, storing `candidate` first when it has none (§7
    /// GENURLAUTH: a key is made on first use). Fails with `mailboxNotFound` when the mailbox is
    /// not the account's.
    func urlAuthKey(of account: AccountID, mailbox: MailboxID, creatingWith candidate: [UInt8]) async throws -> [UInt8]
    /// §7 RESETKEY: with a mailbox, its key becomes `key` (every URL signed with the old one stops
    /// working); without one (`mailbox` and `key` nil), every key of the account is removed.
    func resetURLAuthKey(of account: AccountID, mailbox: MailboxID?, to key: [UInt8]?) async throws
}
