import Foundation

/// Mailboxes and messages. Every mutating call returns only once its effect is durable
/// (body file and directory fsynced, database committed).
public protocol MessageStore: Sendable {
    func mailboxes(of account: AccountID) async throws -> [Mailbox]
    func mailbox(of account: AccountID, named name: String) async throws -> Mailbox?
    func mailbox(id: MailboxID) async throws -> Mailbox?
    @discardableResult
    func createMailbox(of account: AccountID, named name: String, specialUse: SpecialUse?) async throws -> Mailbox
    /// Deletes the mailbox and its messages; INBOX cannot be deleted.
    func deleteMailbox(_ id: MailboxID) async throws
    /// Renames the mailbox (and the mailboxes below it); renaming INBOX is the RFC 9051 §6.3.6 move.
    func renameMailbox(_ id: MailboxID, to newName: String) async throws
    func status(_ id: MailboxID) async throws -> MailboxStatus

    /// RFC 3501 §2.3.2 \Recent: a message is recent for the first session told about it. The
    /// mailbox keeps the first UID no session has claimed; this returns it as it was, and with
    /// `through` set moves it past `through` atomically, so the messages from the returned UID
    /// up to `through` are recent for the caller's session alone (several sessions and processes
    /// sharing the store never both get one). `through` nil only reads it (EXAMINE, RFC 3501
    /// §6.3.2: no loss of \Recent). A session that knows messages above `through` leaves them
    /// to whoever claims them next.
    func claimRecent(in mailbox: MailboxID, through uid: UInt32?) async throws -> UInt32

    func subscriptions(of account: AccountID) async throws -> [String]
    func setSubscribed(_ subscribed: Bool, account: AccountID, name: String) async throws

    /// Appends one message. Fails with `quotaExceeded` when the account's quota would be passed.
    func append(_ request: AppendRequest, to mailbox: MailboxID) async throws -> AppendResult
    /// Delivers one message into several mailboxes (one body file shared by all); results in order.
    /// Each target succeeds or fails on its own (a full mailbox does not stop the others).
    func deliver(_ request: AppendRequest, to mailboxes: [MailboxID]) async throws -> [Result<AppendResult, MailStoreError>]

    /// Messages in UID order.
    func messages(in mailbox: MailboxID) async throws -> [StoredMessage]
    /// `messages(in:)` with every `summary` nil: for readers that never look at it (IMAP SEARCH
    /// on sizes, dates and bodies), so that a store need not read and copy every summary.
    func messagesWithoutSummaries(in mailbox: MailboxID) async throws -> [StoredMessage]
    /// UID, mod-sequence and flags of every message, in UID order: `messages(in:)` without the
    /// columns a mailbox view does not keep (IMAP SELECT reads this).
    func messageStates(in mailbox: MailboxID) async throws -> [MessageState]
    /// `messageStates(in:)`, `mailbox(id:)` and the first unclaimed \Recent UID (what
    /// `claimRecent(in:through: nil)` answers) read together; nil when the mailbox is gone.
    func selection(of mailbox: MailboxID) async throws -> MailboxSelection?
    func message(in mailbox: MailboxID, uid: UInt32) async throws -> StoredMessage?
    /// The messages with these UIDs, in the order of `uids`, those not in the mailbox left out:
    /// an IMAP FETCH of a few messages in one store call instead of one per message.
    func messages(in mailbox: MailboxID, uids: [UInt32]) async throws -> [StoredMessage]
    func readBody(_ body: BodyReference) async throws -> [UInt8]
    /// Several bodies in one call, in order (a FETCH of a few messages' octets).
    func readBodies(_ bodies: [BodyReference]) async throws -> [[UInt8]]
    /// Up to `length` octets of the body from `offset` (fewer at its end): large messages are
    /// sent to IMAP clients piece by piece instead of being held whole.
    func readBody(_ body: BodyReference, offset: Int, length: Int) async throws -> [UInt8]

    /// Changes flags; with `unchangedSince` (RFC 7162 §3.1.3) messages modified later are left
    /// alone and reported in `failed`.
    func setFlags(
        in mailbox: MailboxID, uids: [UInt32], change: FlagChange, unchangedSince: UInt64?
    ) async throws -> (updated: [StoredMessage], failed: [UInt32])
    /// Removes the given messages (or all with \Deleted when `uids` is nil); returns the removed UIDs.
    func expunge(in mailbox: MailboxID, uids: [UInt32]?) async throws -> [UInt32]
    /// UIDs expunged from the mailbox with a mod-sequence above `modSeq`, ascending (RFC 7162
    /// §3.2.5.2: QRESYNC's `VANISHED (EARLIER)` after SELECT and UID FETCH ... VANISHED).
    func expungedUIDs(in mailbox: MailboxID, since modSeq: UInt64) async throws -> [UInt32]
    /// Copies messages, sharing their bodies; returns (source UID, new UID) pairs (UIDPLUS COPYUID).
    /// With `claimingRecent`, the copies' \Recent (RFC 3501 §2.3.2, see `claimRecent`) is claimed
    /// for the caller in the same transaction, before the change feed tells any session.
    func copy(uids: [UInt32], from source: MailboxID, to target: MailboxID, claimingRecent: Bool) async throws -> CopyOutcome
    /// RFC 6851 MOVE in one transaction: the messages are expunged from `source` and copied to
    /// `target` together, so a crash or a refusal (quota) leaves each in exactly one of the two
    /// (§3.3: never lost, and not in both). Returns (source UID, new UID) pairs for COPYUID and
    /// the source's HIGHESTMODSEQ afterwards (nil when nothing was moved).
    func move(uids: [UInt32], from source: MailboxID, to target: MailboxID, claimingRecent: Bool) async throws -> CopyOutcome

    /// RFC 8508 REPLACE in one transaction: message `uid` is expunged from `source` and `request`
    /// appended to `target` together, so a failure (quota, a message already gone) leaves both
    /// mailboxes as they were (§3.4). The quota counts only the net change (the replaced message
    /// no longer counts). Fails with `messageNotFound` when `uid` is not in `source`.
    func replace(uid: UInt32, in source: MailboxID, with request: AppendRequest, to target: MailboxID) async throws -> ReplaceResult

    /// The change feed: every change to the mailbox made after the call, until the stream is
    /// dropped. It may also carry a change committed just before the call (PostgreSQL's notices
    /// of other transactions are still in flight then): consumers skip what they already know.
    func changes(in mailbox: MailboxID) -> AsyncStream<MailboxChange>
    /// How many changes the feed has published for the mailbox so far (`ChangeFeed.published`):
    /// read before `changes(in:)`, it tells a watcher whether changes are still on their way.
    /// Nil when the feed does not hear every change (another process can write the mailbox):
    /// then only a read of the store is current.
    func changesPublished(in mailbox: MailboxID) -> UInt64?
    /// The account-level change feed (RFC 5465 NOTIFY's MailboxName, SubscriptionChange and
    /// METADATA events): every mailbox creation, deletion, rename, (un)subscription and METADATA
    /// change of the account committed after the call, from any session, process or node sharing
    /// the store, until the stream is dropped.
    func mailboxListChanges(account: AccountID) -> AsyncStream<MailboxListChange>
}

extension MessageStore {
    /// Stores that read summaries with their rows anyway drop them.
    public func messagesWithoutSummaries(in mailbox: MailboxID) async throws -> [StoredMessage] {
        try await messages(in: mailbox).map(\.withoutSummary)
    }

    /// Stores without a read of several rows ask for each.
    public func messages(in mailbox: MailboxID, uids: [UInt32]) async throws -> [StoredMessage] {
        var messages: [StoredMessage] = []
        for uid in uids { if let message = try await message(in: mailbox, uid: uid) { messages.append(message) } }
        return messages
    }

    /// Stores without a read of several bodies read each.
    public func readBodies(_ bodies: [BodyReference]) async throws -> [[UInt8]] {
        var read: [[UInt8]] = []
        for body in bodies { read.append(try await readBody(body)) }
        return read
    }

    /// Stores without ranged reads read the whole body and cut the piece out of it.
    public func readBody(_ body: BodyReference, offset: Int, length: Int) async throws -> [UInt8] {
        let bytes = try await readBody(body)
        let start = min(max(0, offset), bytes.count)
        return Array(bytes[start..<min(bytes.count, start + max(0, length))])
    }
}

/// The whole store a server sees. `MailStoreSQLite` is the embedded implementation.
public protocol MailStore: DirectoryStore, MessageStore, QueueStore, DKIMKeyStore, DMARCReportStore, DMARCReportLedger, TLSReportLedger, ReportRetention, MTASTSPolicyStore, RiskStore, GreylistStore, OpenPGPKeyStore, SMIMEKeyStore, MetadataStore, URLAuthKeyStore, AutocryptPeerStore {
    /// Flushes and closes; later calls fail.
    func close() async throws
}

/// What COPY or MOVE did: (source UID, new UID) pairs, the source's HIGHESTMODSEQ after a move
/// (nil for a copy, or when nothing moved), and, when the caller claimed \Recent, the target's
/// first unclaimed UID before the claim (the caller's recent copies are those from it on).
public struct CopyOutcome: Sendable {
    public var pairs: [(UInt32, UInt32)]
    public var sourceModSeq: UInt64?
    public var recentFrom: UInt32?

    public init(pairs: [(UInt32, UInt32)], sourceModSeq: UInt64? = nil, recentFrom: UInt32? = nil) {
        self.pairs = pairs
        self.sourceModSeq = sourceModSeq
        self.recentFrom = recentFrom
    }
}

extension MessageStore {
    /// COPY without claiming \Recent: the pairs only.
    public func copy(uids: [UInt32], from source: MailboxID, to target: MailboxID) async throws -> [(UInt32, UInt32)] {
        try await copy(uids: uids, from: source, to: target, claimingRecent: false).pairs
    }

    /// MOVE without claiming \Recent.
    public func move(uids: [UInt32], from source: MailboxID, to target: MailboxID) async throws -> (pairs: [(UInt32, UInt32)], sourceModSeq: UInt64?) {
        let outcome = try await move(uids: uids, from: source, to: target, claimingRecent: false)
        return (outcome.pairs, outcome.sourceModSeq)
    }
}
