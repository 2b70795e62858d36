/// What the change feed tells sessions that watch a mailbox (IMAP IDLE, concurrent sessions).
public enum MailboxChange: Sendable, Equatable {
    case appended(uid: UInt32, modSeq: UInt64, flags: MessageFlags)
    case flagsChanged(uid: UInt32, modSeq: UInt64, flags: MessageFlags)
    case expunged(uids: [UInt32], modSeq: UInt64)
    /// The mailbox was deleted or renamed away: sessions that have it selected must close it.
    case mailboxRemoved
}
