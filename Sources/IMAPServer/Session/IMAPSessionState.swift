import IMAPProtocol
import MailCore
import MailStore

/// The four states of RFC 9051 §3, in one place. Which commands each state accepts is decided
/// in `IMAPSession+Dispatch.swift`.
enum IMAPSessionState {
    case notAuthenticated
    case authenticated(AuthenticatedUser)
    case selected(AuthenticatedUser, SelectedMailbox)
    case logout

    var user: AuthenticatedUser? {
        switch self {
        case .authenticated(let user), .selected(let user, _): user
        case .notAuthenticated, .logout: nil
        }
    }

    var selected: SelectedMailbox? {
        if case .selected(_, let mailbox) = self { return mailbox }
        return nil
    }
}

/// Who is logged in. Quota and usage are read from the store when needed (they change).
struct AuthenticatedUser: Sendable {
    let accountID: AccountID
    let address: EmailAddress
}

/// The IMAP extensions a client turned on with ENABLE (RFC 5161) or implicitly (RFC 7162 §3.1:
/// a CONDSTORE-enabling command).
struct EnabledExtensions {
    var condstore = false
    var qresync = false
    var utf8Accept = false
    var imap4rev2 = false

    /// RFC 9051 §5.1 / RFC 9755: mailbox names and quoted strings in UTF-8.
    var encoding: IMAPTextEncoding { utf8Accept || imap4rev2 ? .utf8Accepted : .imap4rev1 }
    /// RFC 7162 §3.1.4.1 / §3.2.3: QRESYNC implies CONDSTORE.
    var modSeqs: Bool { condstore || qresync }
}
