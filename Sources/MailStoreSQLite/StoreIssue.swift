import MailStore

/// One inconsistency found by `StoreCheck`, with what `StoreRepair` needs to fix it. Its
/// `finding` is the line `hato store check` prints.
enum StoreIssue: Sendable {
    /// A row of `messages` or `queue_messages` that refers to a body file.
    enum BodyUser: Sendable, Hashable {
        case message(id: Int64, mailbox: MailboxID, label: String, uid: Int64, size: Int64)
        case queue(id: Int64, size: Int64)
        case quarantine(id: Int64, size: Int64)

        var size: Int64 {
            switch self {
            case .message(_, _, _, _, let size), .queue(_, let size), .quarantine(_, let size): size
            }
        }

        var description: String {
            switch self {
            case .message(_, _, let label, let uid, _): "\(label) UID \(uid)"
            case .queue(let id, _): "queue message \(id)"
            case .quarantine(let id, _): "quarantined message \(id)"
            }
        }
    }

    case database(String)
    case foreignKey(table: String, rowID: Int64?, parent: String)
    case orphanBody(path: String, size: Int64)
    case unfinishedBody(path: String, size: Int64)
    case missingBody(path: String, users: [BodyUser])
    /// `users` are the rows whose size differs from the file's; `intact` when other rows agree
    /// with the file, so the file is right and only these rows' sizes are wrong.
    case bodySize(path: String, actual: Int64, users: [BodyUser], intact: Bool)
    case queueWithoutRecipients(id: Int64)
    case queueFinished(id: Int64, recipients: Int)
    case uidNext(mailbox: MailboxID, label: String, current: Int64, highestUID: Int64)
    case highestModSeq(mailbox: MailboxID, label: String, current: Int64, highest: Int64, source: String)
    case uidValidityCounter(current: Int64, highest: Int64)
    case uidValidityShared(value: Int64, mailboxes: [(MailboxID, String)])
    case expungedPresent(mailbox: MailboxID, label: String, uids: [Int64])
    case quotaUsage(address: String, recordedBytes: Int64, recordedMessages: Int64, bytes: Int64, messages: Int64)

    /// Body paths are shown as they lie under the data directory; a body kept in the database
    /// (`InlineBodies`) as its path in `hato.sqlite`.
    static func shown(_ path: String) -> String { InlineBodies.isInline(path) ? "hato.sqlite \(path)" : "messages/\(path)" }

    /// "body file messages/..." or "body hato.sqlite inline/...".
    static func body(_ path: String) -> String { (InlineBodies.isInline(path) ? "body " : "body file ") + shown(path) }

    var finding: StoreFinding {
        switch self {
        case .database(let text):
            return StoreFinding(.database, text, repairable: false)
        case .foreignKey(let table, let rowID, let parent):
            let repairable = ["messages", "expunged", "subscriptions", "queue_recipients"].contains(table)
            return StoreFinding(.foreignKey, "\(table) row \(rowID.map(String.init) ?? "?") refers to a missing \(parent) row",
                                repairable: repairable)
        case .orphanBody(let path, let size):
            return StoreFinding(.orphanBody, "\(Self.shown(path)) (\(size) bytes): no message or queue entry refers to it")
        case .unfinishedBody(let path, let size):
            return StoreFinding(.unfinishedBody, "\(Self.shown(path)) (\(size) bytes): left by a write that never completed")
        case .missingBody(let path, let users):
            return StoreFinding(.missingBody, "\(users.map(\.description).joined(separator: ", ")): \(Self.body(path)) does not exist")
        case .bodySize(let path, let actual, let users, _):
            let rows = users.map { "\($0.description) says \($0.size)" }.joined(separator: ", ")
            return StoreFinding(.bodySize, "\(Self.body(path)) has \(actual) bytes, but \(rows)")
        case .queueWithoutRecipients(let id):
            return StoreFinding(.queueEntry, "queue message \(id) has no recipients")
        case .queueFinished(let id, let recipients):
            return StoreFinding(.queueEntry, "queue message \(id) has no recipient left to deliver (\(recipients) delivered or failed)")
        case .uidNext(_, let label, let current, let highestUID):
            return StoreFinding(.uidNext, "\(label): UIDNEXT \(current) is not above UID \(highestUID)")
        case .highestModSeq(_, let label, let current, let highest, let source):
            return StoreFinding(.highestModSeq, "\(label): HIGHESTMODSEQ \(current) is below MODSEQ \(highest) of \(source)")
        case .uidValidityCounter(let current, let highest):
            return StoreFinding(.uidValidity, "the UIDVALIDITY counter \(current) is below UIDVALIDITY \(highest) in use")
        case .uidValidityShared(let value, let mailboxes):
            return StoreFinding(.uidValidity, "UIDVALIDITY \(value) is shared by \(mailboxes.map(\.1).joined(separator: ", "))")
        case .expungedPresent(_, let label, let uids):
            return StoreFinding(.expungedPresent, "\(label): UID \(uids.map(String.init).joined(separator: ",")) recorded as expunged but still present")
        case .quotaUsage(let address, let recordedBytes, let recordedMessages, let bytes, let messages):
            return StoreFinding(.quotaUsage, "\(address): usage recorded as \(recordedMessages) messages, \(recordedBytes) bytes; "
                                + "its mailboxes hold \(messages) messages, \(bytes) bytes")
        }
    }
}
