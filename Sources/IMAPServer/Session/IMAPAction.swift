import IMAPProtocol
import MailStore
import NIOCore
import ServerRuntime

/// What `IMAPSession` asks its driver to do; the driver (`SessionDriver`, with
/// `IMAPSessionAdapter`) executes the actions in order and feeds what comes of them back as events.
enum IMAPAction {
    /// Responses, encoded with the session's encoder (`IMAPSession.encoder`).
    case send([IMAPResponse])
    /// Octets already encoded: a streamed FETCH literal and the text around it.
    case sendRaw(ByteBuffer)
    /// Async work (store, password hash): its result comes back as `.stepFinished`. No command
    /// is read meanwhile, which keeps pipelined commands answered in order (RFC 9051 §5.5).
    case run(IMAPStep)
    /// Feed `.outputWritable` once the client has read what was sent (at once when it has):
    /// FETCH sends its next messages only then. Always the last action of a list.
    case continueWhenWritable
    /// RFC 9051 §6.2.1: after the tagged OK, drop whatever the client pipelined behind STARTTLS
    /// and start TLS.
    case startTLS
    /// RFC 4978 §3: after the tagged OK, deflate both ways (`IMAPDeflate`).
    case startCompression
    /// Acknowledge the literal that follows a `+` at once (`TCPQuickAck`).
    case quickAck
    /// Hand the selected mailbox's change feed to the session as `.mailboxChanged` events
    /// tagged with `generation`; the listener task goes into `SelectedMailbox.feedTask`.
    case listen(AsyncStream<MailboxChange>, SelectedMailbox, generation: Int)
    /// RFC 5465 NOTIFY: listen to these mailboxes' change feeds (stopping the others of `watch`)
    /// and, with `account`, to the account-level feed; reports come back as `.notified`.
    case notifyWatch(NotifyWatch, mailboxes: Set<MailboxID>, account: AccountID?)
    /// Give the per-account session slot back (`IMAPConfiguration.maxSessionsPerUser`).
    case releaseSessionSlot(AccountID)
    /// (Re)start a timer; it reports `.timerFired`.
    case armTimer(IMAPTimer, Duration)
    case cancelTimer(IMAPTimer)
    /// Close after the replies already written (`closeAfterLastReply`).
    case close
}

/// The session's clocks.
enum IMAPTimer: CaseIterable, Sendable {
    /// RFC 9051 §5.4 autologout once logged in.
    case idle
    /// `limits.imap_login_timeout`, from the greeting; bytes do not move it.
    case login
    /// The per-command deadline, from a command's first octet (`IMAPSession.commandTimerFired`).
    case command
}

/// The async work a command needs (`IMAPStepRunner` does it). Each carries the command's tag.
enum IMAPStep: Sendable {
    /// RFC 9051 §6.2.2 AUTHENTICATE with its optional initial response (RFC 4959).
    case authenticate(tag: String, mechanism: String, initialResponse: String?, tlsActive: Bool)
    /// The client's line after a challenge (base64, or "*" to cancel).
    case continueAuthentication(tag: String, SASLLogin, response: String)
    /// RFC 9051 §6.2.3 LOGIN.
    case checkPassword(tag: String, username: String, password: String)
    /// After a login: look the account up and take a session slot.
    case openSession(tag: String, username: String)
    /// An APPEND literal against the account's quota, before the client sends it (RFC 9208 §4.3).
    case checkQuota(tag: String?, AccountID, size: Int)
    /// `knownID`: the mailbox this session last opened under that name, tried first (`Select.swift`).
    case select(tag: String, IMAPMailboxName, IMAPSelectParameters, readOnly: Bool, AuthenticatedUser, rev2: Bool, knownID: MailboxID?)
    case create(tag: String, name: String, SpecialUse?, AuthenticatedUser)
    case delete(tag: String, IMAPMailboxName, AuthenticatedUser)
    case rename(tag: String, from: IMAPMailboxName, to: IMAPMailboxName, AuthenticatedUser)
    case subscribe(tag: String, IMAPMailboxName, Bool, AuthenticatedUser)
    case list(tag: String, IMAPListCommand, AuthenticatedUser)
    case lsub(tag: String, reference: String, pattern: String, AuthenticatedUser)
    case status(tag: String, IMAPMailboxName, [IMAPStatusAttribute], AuthenticatedUser)
    case getQuota(tag: String, AuthenticatedUser)
    case getQuotaRoot(tag: String, IMAPMailboxName, AuthenticatedUser)
    /// RFC 5464 §4.2 / §4.3.
    case getMetadata(tag: String, IMAPMailboxName, IMAPGetMetadataOptions, [String], AuthenticatedUser)
    case setMetadata(tag: String, IMAPMailboxName, [IMAPMetadataValue], AuthenticatedUser)
    /// RFC 4467 §7.
    case resetKey(tag: String, IMAPMailboxName?, AuthenticatedUser)
    case genURLAuth(tag: String, [IMAPAuthorizedURL], AuthenticatedUser)
    case urlFetch(tag: String, [IMAPURLFetchRequest], AuthenticatedUser)
    /// `recent`: the selected mailbox and how this session takes \Recent there, so that an
    /// APPEND into it claims its messages (RFC 3501 §2.3.2).
    case append(tag: String, IMAPMailboxName, [AppendSource], AuthenticatedUser, recent: (MailboxID, RecentMode)?)
    /// RFC 8508 REPLACE: `uid` of the selected mailbox replaced by the message, appended to the
    /// named mailbox; `recent` as for COPY.
    case replace(tag: String, MailboxID, uid: UInt32, IMAPMailboxName, AppendSource, AuthenticatedUser, recent: RecentMode?)
    /// CLOSE: expunge \Deleted silently (RFC 9051 §6.4.1).
    case closeExpunge(tag: String, MailboxID)
    /// EXPUNGE (candidates nil) or UID EXPUNGE.
    case expunge(tag: String, MailboxID, candidates: [UInt32]?)
    case store(tag: String, MailboxID, uids: [UInt32], FlagChange, unchangedSince: UInt64?, silent: Bool, uid: Bool)
    /// `recent`: how this session takes \Recent in the selected (source) mailbox, for copies into it.
    case copy(tag: String, MailboxID, uids: [UInt32], to: IMAPMailboxName, move: Bool, AuthenticatedUser, recent: RecentMode?)
    case search(IMAPSearchStep)
    /// SORT and THREAD (RFC 5256): a search, then its matches ordered or threaded.
    case sort(IMAPSortStep)
    /// RFC 5267 §4.3: the live searches look at messages that arrived or changed.
    case contextCheck(ContextCheckStep)
    /// FETCH: the messages of the set (and VANISHED UIDs with QRESYNC).
    /// With `plan`, a FETCH whose messages fit in one chunk is answered in the same step.
    /// With `view` (a current view, no CHANGEDSINCE or VANISHED), flags from the view and the
    /// rest from `MessageFactsCache`, as a search takes them.
    case fetchMessages(tag: String, MailboxID, uids: [UInt32], changedSince: UInt64?, vanishedRanges: [ClosedRange<UInt32>]?,
                       plan: FetchPlan? = nil, view: SearchView? = nil)
    /// FETCH: one chunk's items (bodies read, \Seen set).
    case fetchChunk(tag: String, MailboxID, [StoredMessage], FetchPlan)
    /// FETCH: a large message's items without its octets (they are streamed).
    case fetchStreamHead(tag: String, MailboxID, StoredMessage, FetchPlan)
    /// FETCH: one piece of a streamed message.
    case fetchPiece(tag: String, StoredMessage, offset: Int, length: Int)
    /// RFC 5465 NOTIFY SET: the mailboxes, subscriptions and the watched mailboxes' status.
    case notifySet(tag: String, NotifyPlan, AuthenticatedUser, status: Bool, limit: Int)
    /// RFC 5465 §5.2: MessageNew's fetch-att list for new messages of the selected mailbox.
    case notifyFetch(MailboxID, uids: [UInt32], FetchPlan)
}

/// What a step came to, fed back to the session as `.stepFinished`.
enum IMAPStepResult: Sendable {
    case login(tag: String, SASLLogin.Step)
    case session(tag: String, Result<AuthenticatedUser, IMAPFailure>)
    case quota(tag: String?, overQuota: Bool)
    /// The command succeeded: untagged data, then the tagged OK after any pending updates.
    case done(tag: String, IMAPCompletion)
    case failed(tag: String, IMAPFailure)
    case selected(IMAPSelectOutcome)
    /// `recent`: those of the messages that are \Recent for this session.
    case appended(tag: String, MailboxID, [AppendedMessage], code: IMAPResponseCode, recent: [UInt32] = [])
    case deleted(tag: String, MailboxID)
    case replaced(tag: String, ReplaceOutcome)
    /// EXPUNGE, UID EXPUNGE and MOVE (with its COPYUID, RFC 6851 §4.3, and the copies when they
    /// went into the selected mailbox itself).
    case expunged(tag: String, removed: [UInt32], modSeq: UInt64?, verb: String, copyUID: IMAPResponseCode?,
                  ownCopies: [AppendedMessage] = [], ownRecent: [UInt32] = [])
    case stored(tag: String, updated: [StoredMessage], failed: [UInt32], silent: Bool, uid: Bool)
    case searched(tag: String, IMAPSearchCommand, [SearchMatch], uid: Bool, usesModSeq: Bool)
    case sorted(tag: String, IMAPSortOutcome, uid: Bool, usesModSeq: Bool)
    /// The live searches' verdicts, and the tagged reply that waited for them.
    case contextChecked([ContextVerdict], reply: IMAPResponse?)
    /// `firstChunk`: the items of every message, made in the same step (`fetchChunk`).
    case fetchMessages(tag: String, [StoredMessage], vanished: [UInt32], firstChunk: [FetchedMessage]? = nil)
    case fetchChunk(tag: String, [FetchedMessage])
    case fetchStreamHead(tag: String, StoredMessage, [IMAPFetchItem])
    /// nil: the body could not be read whole.
    case fetchPiece(tag: String, [UInt8]?)
    case notifySet(tag: String, NotifySetOutcome)
    case notifyFetched([FetchedMessage], FetchPlan)
}

/// A successful command's reply.
struct IMAPCompletion: Sendable {
    var untagged: [IMAPResponse] = []
    var code: IMAPResponseCode? = nil
    var text: String
    /// COPY into the selected mailbox: the new messages, announced (EXISTS) before the tagged OK,
    /// and those of them that are \Recent for this session.
    var ownCopies: [AppendedMessage] = []
    var ownRecent: [UInt32] = []
}

typealias AppendedMessage = (uid: UInt32, modSeq: UInt64, flags: MessageFlags)
typealias SearchMatch = (uid: UInt32, number: UInt32, modSeq: UInt64)
typealias FetchedMessage = (message: StoredMessage, items: Result<[IMAPFetchItem], FetchFailure>)

/// How FETCH answers for each message (fixed when the command is read).
struct FetchPlan: Sendable {
    var attributes: [IMAPFetchAttribute]
    var uid: Bool
    /// Non-PEEK body items in a read-write mailbox set \Seen (RFC 9051 §6.4.5).
    var marksSeen: Bool
    /// CONDSTORE/QRESYNC is on: MODSEQ in each response (RFC 7162 §3.1.4.1).
    var includeModSeq: Bool
}

/// SEARCH's work: the keys evaluated over the mailbox in sequence order.
struct IMAPSearchStep: Sendable {
    var tag: String
    var command: IMAPSearchCommand
    var evaluator: SearchEvaluator
    var context: SearchContext
    /// The session's view, in sequence order.
    var uids: [UInt32]
    var mailbox: MailboxID
    var uid: Bool
    var usesModSeq: Bool
    /// The view's flags and mod-sequences when it was current (`SelectedMailbox.caughtUp`) as
    /// the command came: the search takes those, and the rest of each message from
    /// `MessageFactsCache`, reading only rows it has not cached. Nil: the store's rows.
    var view: SearchView? = nil
}

/// The selected mailbox as the session knew it when a search began (`IMAPSearchStep.view`).
struct SearchView: Sendable {
    var uidValidity: UInt32
    var known: [UInt32: (flags: MessageFlags, modSeq: UInt64)]
}

/// What SELECT or EXAMINE found, for the session to open its view.
struct IMAPSelectOutcome: Sendable {
    var tag: String
    var mailbox: Mailbox
    var messages: [MessageState]
    var stream: AsyncStream<MailboxChange>
    var readOnly: Bool
    var parameters: IMAPSelectParameters
    /// RFC 7162 §3.2.5.1 UIDs expunged since the client's mod-sequence.
    var vanished: [UInt32]
    /// RFC 9051 §6.3.2: the LIST attributes for rev2 clients.
    var listAttributes: [String]
    /// UIDs assigned before the feed was subscribed (`SelectedMailbox.noteAssignedBeforeSubscribing`).
    var assignedBeforeSubscribing: UInt32
    var user: AuthenticatedUser
    /// RFC 3501 §2.3.2: how this session takes \Recent (nil for IMAP4rev2), and the first UID
    /// that is recent for it.
    var recentMode: RecentMode? = nil
    var recentFrom: UInt32 = .max
    /// Whether the view is current without reading the store (`FeedProbe`); nil: never assumed.
    var feedProbe: FeedProbe? = nil
}

/// Tells whether every change the store's feed published for the selected mailbox since the
/// view subscribed has reached the view: `baseline` was counted before subscribing, and
/// `published` counts now (`MessageStore.changesPublished`, nil when the store cannot know).
struct FeedProbe: Sendable {
    var baseline: UInt64
    var published: @Sendable () -> UInt64?
}
