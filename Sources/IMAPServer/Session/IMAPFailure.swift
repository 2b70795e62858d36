import IMAPProtocol
import MailStore
import SASL

/// Every way an IMAP command can fail. `response` is the one place a failure becomes its tagged
/// NO or BAD with its response code (RFC 9051 §7.1, RFC 5530), so a new command adds a case
/// here rather than writing a reply of its own.
enum IMAPFailure: Error, Equatable, Sendable {
    /// The decoder's verdict on the command's octets (RFC 9051 §7.1.3 BAD, RFC 7888 §5 TOOBIG).
    /// `preLoginLimit` is set before login: a command over it is named with the limit.
    case command(IMAPCommandError, preLoginLimit: Int?)
    /// RFC 9051 §6.2-§6.4: a command of a later state gets NO (not permitted yet).
    case needsAuthentication(command: String)
    case needsSelectedMailbox(command: String)
    case alreadyAuthenticated
    case unexpectedCommand
    case notOffered(command: String)
    case tlsAlreadyActive
    case tlsUnavailable
    /// RFC 9051 §6.2.3 LOGINDISABLED: LOGIN only over TLS (or from loopback).
    case plaintextLoginDisabled
    /// LOGIN or AUTHENTICATE refused: the SASL module's IMAP reply for it.
    case authentication(SASLFailure)
    case tooManySessions
    /// A literal of a command other than APPEND over `maxOtherLiteralSize` (RFC 7888 §4).
    case literalTooLargeForCommand
    /// RFC 4469 / RFC 7889: an APPEND message over `limits.maxLiteralSize`.
    case messageTooLarge(limit: Int)
    case appendNeedsAuthentication
    /// RFC 9208 §4.3: the message would not fit the account's quota.
    case overQuota
    case emptyMessage
    /// RFC 4469 §4.1: a CATENATE URL that cannot be used (the first such, as sent).
    case badURL(String)
    /// More CATENATE URLs in one message than `IMAPConfiguration.maxCatenateURLs`.
    case tooManyURLs(limit: Int)
    /// RFC 8508 §3.2: "can't remove specified message" (a UID not in the mailbox, or expunged meanwhile).
    case noMessageToReplace
    /// RFC 3516 §4.3: only literal8 may carry NUL octets.
    case nulInMessage
    /// RFC 9051 §6.3.12 / §6.4.7: [TRYCREATE] when the target could be created.
    case noSuchMailbox(IMAPResponseCode)
    case mailboxExists
    case targetMailboxExists
    case cannotRenameToInbox
    case cannotDeleteInbox
    case hasChildren
    case unsupportedSpecialUse
    /// RFC 9051 §7.1 LIMIT: the account has `IMAPConfiguration.maxMailboxes` mailboxes.
    case tooManyMailboxes(limit: Int)
    case patternTooLong(limit: Int)
    case readOnly
    /// RFC 9051 §6.4.8: a message sequence number above EXISTS.
    case sequenceOutOfRange
    /// RFC 7162 §3.2.6.
    case vanishedMisused
    case qresyncNotEnabled
    case qresyncWildcard
    case noSuchQuotaRoot
    case noQuota
    /// RFC 9051 §6.4.4 BADCHARSET.
    case badCharset
    /// RFC 3516 §4.3 UNKNOWN-CTE.
    case unknownCTE
    /// RFC 4978 §3.
    case unknownCompression
    case compressionActive
    /// RFC 8437 is not offered once COMPRESS is on.
    case unauthenticateWhileCompressing
    case idleNotDone
    case closeExpungeFailed
    /// RFC 5267 §4.3: UPDATE with the tag of a search that is still updated ("Tag reuse").
    case updateTagInUse
    /// RFC 5267 §4.3.5: CANCELUPDATE naming a tag with no updated search.
    case noSuchUpdate(String)
    /// RFC 5464 §4.3 `[METADATA MAXSIZE n]`, `[METADATA TOOMANY]`; a read-only entry (§3.2.1.1).
    case metadataTooLarge(limit: Int)
    case metadataTooMany
    case metadataReadOnly(String)
    /// RFC 4467 §7: a GENURLAUTH or RESETKEY argument that cannot be used is BAD, with why.
    case urlAuthArgument(String)
    /// More URLs in one GENURLAUTH or URLFETCH than `limits.imap_urlauth_max_urls`.
    case tooManyAuthURLs(limit: Int)
    /// URLFETCH data beyond `limits.maxLiteralSize` for one command.
    case urlFetchTooLarge(limit: Int)
    /// RFC 5465 §5, §6.1, §8: a NOTIFY SET that breaks the event rules (BAD).
    case notifyInvalid(String)
    /// RFC 5465 §3.1: an event this server does not offer: NO [BADEVENT (the supported events)].
    case notifyBadEvent
    /// RFC 5465 §3.1: more mailboxes than `limits.imap_notify_mailboxes`: NO [NOTIFICATIONOVERFLOW].
    case notificationOverflow(limit: Int)
    /// A store error with its RFC 5530 response code.
    case store(MailStoreError)
    /// The store could not do it now: `NO [UNAVAILABLE] cannot <what> now`.
    case unavailable(String)

    /// The tagged status, response code and text.
    var response: (status: IMAPStatus, code: IMAPResponseCode?, text: String) {
        switch self {
        case .command(let error, let preLoginLimit): Self.response(for: error, preLoginLimit: preLoginLimit)
        case .needsAuthentication(let command): (.no, nil, "\(command) needs an authenticated session; log in first")
        case .needsSelectedMailbox(let command): (.no, nil, "\(command) needs a selected mailbox; SELECT one first")
        case .alreadyAuthenticated: (.bad, nil, "already authenticated")
        case .unexpectedCommand: (.bad, nil, "unexpected command")
        case .notOffered(let command): (.no, nil, "\(command) is not offered")
        case .tlsAlreadyActive: (.bad, nil, "TLS is already active")
        case .unknownCompression: (.bad, nil, "unknown compression mechanism; DEFLATE is offered")
        case .compressionActive: (.bad, .compressionActive, "DEFLATE is already active")
        case .unauthenticateWhileCompressing: (.bad, nil, "UNAUTHENTICATE is not offered while COMPRESS is active")
        case .tlsUnavailable: (.no, nil, "TLS is not available on this listener")
        case .plaintextLoginDisabled: (.no, .privacyRequired, "plaintext login is disabled without TLS; use STARTTLS")
        case .authentication(let failure): Self.response(for: failure)
        case .tooManySessions: (.no, .limit, "too many sessions for this account")
        case .literalTooLargeForCommand: (.bad, .tooBig, "literal too large for this command")
        case .messageTooLarge(let limit): (.no, .tooBig, "message larger than the limit of \(limit) octets")
        case .appendNeedsAuthentication: (.no, nil, "APPEND needs an authenticated session; log in first")
        case .overQuota: (.no, .overQuota, "the message would exceed your quota")
        case .emptyMessage: (.bad, nil, "empty message")
        case .badURL(let url): (.no, .other("BADURL", url), "CATENATE URL names no message or part of it here")
        case .tooManyURLs(let limit): (.no, .limit, "too many CATENATE URLs; the limit is \(limit) per message")
        case .noMessageToReplace: (.no, nil, "no such message to replace")
        case .nulInMessage: (.bad, nil, "NUL in a message literal; use ~{n} (BINARY)")
        case .noSuchMailbox(let code): (.no, code, "no such mailbox")
        case .mailboxExists: (.no, .alreadyExists, "mailbox already exists")
        case .targetMailboxExists: (.no, .alreadyExists, "target mailbox already exists")
        case .cannotRenameToInbox: (.no, .alreadyExists, "cannot rename to INBOX")
        case .cannotDeleteInbox: (.no, .cannot, "INBOX cannot be deleted")
        case .hasChildren: (.no, .hasChildren, "delete the mailboxes below it first")
        case .unsupportedSpecialUse: (.no, .useAttr, "unsupported special-use attribute")
        case .tooManyMailboxes(let limit): (.no, .limit, "too many mailboxes; the limit is \(limit) per account")
        case .patternTooLong(let limit): (.bad, .limit, "LIST pattern longer than the limit of \(limit) octets")
        case .readOnly: (.no, .readOnly, "mailbox is read-only")
        case .sequenceOutOfRange: (.bad, nil, "message sequence number out of range")
        case .vanishedMisused: (.bad, nil, "VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC")
        case .qresyncNotEnabled: (.bad, nil, "QRESYNC must be enabled first (ENABLE QRESYNC)")
        case .qresyncWildcard: (.bad, nil, "\"*\" and \"$\" are not allowed in QRESYNC parameters")
        case .noSuchQuotaRoot: (.no, .nonExistent, "no such quota root")
        case .noQuota: (.no, .nonExistent, "no quota is set for this account")
        case .badCharset: (.no, .badCharset(SearchEvaluator.supportedCharsets), "unsupported charset")
        case .unknownCTE: (.no, .unknownCTE, "unknown Content-Transfer-Encoding")
        case .idleNotDone: (.bad, nil, "expected DONE to end IDLE")
        case .closeExpungeFailed: (.no, nil, "closed, but deleted messages could not be removed")
        case .updateTagInUse: (.bad, nil, "Tag reuse: a search with this tag is still updated")
        case .noSuchUpdate(let tag): (.bad, nil, "no search with tag \(tag) is updated")
        case .metadataTooLarge(let limit): (.no, .other("METADATA", "MAXSIZE \(limit)"), "metadata value too large")
        case .metadataTooMany: (.no, .other("METADATA", "TOOMANY"), "too many metadata entries")
        case .metadataReadOnly(let entry): (.no, .noPerm, "\(entry) is read-only")
        case .urlAuthArgument(let why): (.bad, nil, why)
        case .tooManyAuthURLs(let limit): (.bad, .limit, "too many URLs; the limit is \(limit) per command")
        case .urlFetchTooLarge(let limit): (.no, .limit, "URLFETCH data over \(limit) octets; fetch fewer URLs at once")
        case .notifyInvalid(let reason): (.bad, nil, reason)
        case .notifyBadEvent: (.no, .other("BADEVENT", "(" + NotifyPlan.supportedEvents.joined(separator: " ") + ")"),
                               "unsupported NOTIFY event")
        case .notificationOverflow(let limit): (.no, .other("NOTIFICATIONOVERFLOW", nil), "NOTIFY would watch more than \(limit) mailboxes")
        case .store(let error): (.no, Self.code(for: error), error.description)
        case .unavailable(let what): (.no, .unavailable, "cannot \(what) now")
        }
    }

    /// Whether the updates waiting for the client go out before the reply (as before a tagged
    /// OK), and whether they may include expunges (not during FETCH, STORE or SEARCH, RFC 9051
    /// §7.5.1).
    var updatesBeforeReply: UpdatesBeforeReply {
        switch self {
        case .store, .tooManyMailboxes, .idleNotDone: .withExpunges
        case .badCharset, .unknownCTE: .withoutExpunges
        default: .none
        }
    }

    enum UpdatesBeforeReply { case none, withExpunges, withoutExpunges }

    /// RFC 9051 §7.1.3: bad syntax is answered with BAD and a reason. A synchronizing literal
    /// over the limit was never sent, and NO [TOOBIG] says so (RFC 4469); so does an APPEND whose
    /// non-synchronizing literal over the message size is being read and skipped (LITERAL+,
    /// RFC 7888 §4: the session goes on). RFC 7888 §5 answers a literal over the LITERAL- bound
    /// with BAD [TOOBIG]; one that cannot be skipped gets BAD before the BYE.
    private static func response(for error: IMAPCommandError, preLoginLimit: Int?)
        -> (status: IMAPStatus, code: IMAPResponseCode?, text: String) {
        let code: IMAPResponseCode? = switch error.kind {
        case .literalTooLarge: .tooBig
        case .limitExceeded, .lineTooLong: .limit
        default: nil
        }
        var text = error.kind == .unknownCommand ? "unknown command" : error.message
        if error.kind == .limitExceeded, let preLoginLimit, error.message == "command too large" {
            text = "command larger than \(preLoginLimit) octets before login"
        }
        let skippedMessage = !error.synchronizing && !error.closesConnection && !error.overLiteralMinusBound
            && error.commandName.map(IMAPCommandDecoder.messageCommands.contains) == true
        let status: IMAPStatus = error.kind == .literalTooLarge && (error.synchronizing || skippedMessage) ? .no : .bad
        return (status, code, text)
    }

    private static func response(for failure: SASLFailure) -> (status: IMAPStatus, code: IMAPResponseCode?, text: String) {
        let reply = failure.imapReply
        let code: IMAPResponseCode? = switch reply.responseCode {
        case "AUTHENTICATIONFAILED": .authenticationFailed
        case "AUTHORIZATIONFAILED": .authorizationFailed
        case "PRIVACYREQUIRED": .privacyRequired
        case "UNAVAILABLE": .unavailable
        case let other?: .other(other, nil)
        case nil: nil
        }
        return (reply.status == .bad ? .bad : .no, code, reply.text)
    }

    /// Store errors with their RFC 5530 response codes.
    private static func code(for error: MailStoreError) -> IMAPResponseCode? {
        switch error {
        case .mailboxExists: .alreadyExists
        case .mailboxNotFound: .nonExistent
        case .invalidMailboxName: .cannot
        case .cannotDeleteInbox: .cannot
        case .quotaExceeded: .overQuota
        case .messageTooLarge: .tooBig
        case .messageNotFound: .nonExistent
        default: .unavailable
        }
    }
}

/// Why the server ends a session with an untagged BYE (RFC 9051 §7.1.5); `response` is its one
/// wording.
enum IMAPSessionEnd: Equatable, Sendable {
    case shuttingDown
    /// RFC 9051 §5.4 autologout.
    case idle
    case noLogin(seconds: Int64)
    case commandTooSlow
    case tooManyUpdates
    /// RFC 2180 §3: the selected mailbox was deleted by another session.
    case mailboxDeleted
    /// RFC 7888 §4: a non-synchronizing literal larger than any command.
    case literalTooLargeToSkip
    /// More refused input than a compressed session may make us skip (`IMAPDeflate`).
    case refusedInputTooLargeToSkip

    var response: IMAPResponse {
        let code: IMAPResponseCode? = switch self {
        case .shuttingDown: .unavailable
        case .literalTooLargeToSkip: .tooBig
        case .refusedInputTooLargeToSkip: .limit
        default: nil
        }
        return .status(tag: nil, .bye, code: code, text: text)
    }

    var text: String {
        switch self {
        case .shuttingDown: "server shutting down"
        case .idle: "autologout; idle for too long"
        case .noLogin(let seconds): "autologout; no login within \(seconds) seconds"
        case .commandTooSlow: "command not received in time"
        case .tooManyUpdates: "too many unread mailbox updates; select the mailbox again"
        case .mailboxDeleted: "the selected mailbox was deleted"
        case .literalTooLargeToSkip: "literal too large to skip; closing"
        case .refusedInputTooLargeToSkip: "too much refused input to skip under COMPRESS; closing"
        }
    }
}
