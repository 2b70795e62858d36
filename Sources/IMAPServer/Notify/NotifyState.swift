import IMAPProtocol
import MailStore

/// The session's NOTIFY state (RFC 5465): the plan, the mailboxes watched for it, and the
/// notifications waiting for a moment they may be written (`IMAPSession.pushNotifications`).
struct NotifyState {
    /// nil: NOTIFY was never used, or NOTIFY NONE (§3.1), or an overflow ended it (§5.8).
    var plan: NotifyPlan?
    /// Mailboxes other than the selected one whose message events are told, and what each gets.
    var watched: [MailboxID: NotifyPlan.Events] = [:]
    var snapshot: NotifySnapshot?
    /// The STATUS values last told (or read at NOTIFY SET): a change that moves none of them is
    /// not told (§5.1: without CONDSTORE a flag change that leaves UNSEEN alone is not told).
    var lastStatus: [MailboxID: [IMAPStatusValue]] = [:]
    /// Notifications not yet written (bounded by `limits.imap_notify_queue`).
    var queue: [IMAPResponse] = []
    /// The listeners (`IMAPSessionAdapter+Notify.swift`); cancelled when NOTIFY ends.
    var watch: NotifyWatch?
    /// New messages of the selected mailbox still to be answered with MessageNew's FETCH (§5.2).
    var fetchUIDs: [UInt32] = []
    /// Mailbox list changes this session's own commands make (§5: the server SHOULD NOT tell the
    /// client of what it did itself), with the command's tag, until the feed brings them.
    var own: [(tag: String, change: MailboxListChange)] = []
}

/// What the watchers report (`IMAPSession.Event.notified`).
enum NotifyEvent: Sendable {
    /// A watched mailbox changed: its status read after the change.
    case status(MailboxID, MailboxStatus)
    /// The account-level feed, with the mailboxes and subscriptions read after the change.
    case account(MailboxListChange, NotifySnapshot)
}

/// The change-feed listeners of one session's NOTIFY: one per watched mailbox, one for the
/// account. Only touched on the session's event loop; cancelled with NOTIFY NONE, a new plan that
/// drops a mailbox, or the end of the session.
final class NotifyWatch {
    var mailboxes: [MailboxID: Task<Void, Never>] = [:]
    var account: Task<Void, Never>?

    func cancel() {
        for task in mailboxes.values { task.cancel() }
        mailboxes.removeAll()
        account?.cancel()
        account = nil
    }

    deinit { cancel() }
}

/// What NOTIFY SET's step read: the account's mailboxes and subscriptions, and the status of
/// each mailbox the plan watches (nil past the limit: NOTIFICATIONOVERFLOW).
struct NotifySetOutcome: Sendable {
    var plan: NotifyPlan
    var sendStatus: Bool
    var snapshot: NotifySnapshot
    var watched: [MailboxID: NotifyPlan.Events]?
    var statuses: [MailboxStatus]
}
