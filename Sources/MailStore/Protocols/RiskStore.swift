import Foundation
import MailCore

/// Which way a message went between a local account and a correspondent.
public enum CorrespondenceDirection: String, Sendable, Codable {
    /// The account sent it (submission); the other party becomes a correspondent.
    case sent
    /// The account received it from someone it had already written to (a reply, a thread).
    case received
    /// The account's own address with the display name it sends under (local users' names
    /// for display-name impersonation, issue 18).
    case own
}

/// One exchange to record: `account` and `address` corresponded.
public struct Correspondence: Sendable, Equatable {
    public var account: AccountID
    public var address: EmailAddress
    public var displayName: String?
    public var direction: CorrespondenceDirection

    public init(account: AccountID, address: EmailAddress, displayName: String? = nil, direction: CorrespondenceDirection) {
        self.account = account
        self.address = address
        self.displayName = displayName
        self.direction = direction
    }
}

/// Someone a local account has exchanged mail with (the risk assessment's first-contact,
/// lookalike and display-name checks read these).
public struct Correspondent: Sendable, Equatable {
    public var account: AccountID
    public var address: EmailAddress
    /// The display name last seen with the address (nil when none was given).
    public var displayName: String?
    public var sent: Int
    public var received: Int
    public var firstSeen: Date
    public var lastSeen: Date

    public init(account: AccountID, address: EmailAddress, displayName: String?, sent: Int, received: Int, firstSeen: Date, lastSeen: Date) {
        self.account = account
        self.address = address
        self.displayName = displayName
        self.sent = sent
        self.received = received
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }

    public var messages: Int { sent + received }
}

/// A message the risk assessment held back (`risk.*` disposition `quarantine`): only the
/// administrator sees it (`hato quarantine list`), and releasing it delivers it as received.
public struct QuarantinedMessage: Sendable, Equatable {
    public var id: Int64
    public var mailFrom: EmailAddress?
    public var recipients: [EmailAddress]
    public var body: BodyReference
    public var size: Int64
    /// The `Hato-Risk` value and the evidence, for the list.
    public var verdict: String
    public var reason: String
    public var subject: String?
    public var from: String?
    public var receivedAt: Date

    public init(id: Int64, mailFrom: EmailAddress?, recipients: [EmailAddress], body: BodyReference, size: Int64, verdict: String,
                reason: String, subject: String?, from: String?, receivedAt: Date) {
        self.id = id
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.body = body
        self.size = size
        self.verdict = verdict
        self.reason = reason
        self.subject = subject
        self.from = from
        self.receivedAt = receivedAt
    }
}

/// What to hold: the message as it would have been stored, and its envelope.
public struct QuarantineRequest: Sendable {
    public var bytes: [UInt8]
    public var mailFrom: EmailAddress?
    public var recipients: [EmailAddress]
    public var verdict: String
    public var reason: String
    public var subject: String?
    public var from: String?

    public init(bytes: [UInt8], mailFrom: EmailAddress?, recipients: [EmailAddress], verdict: String, reason: String,
                subject: String?, from: String?) {
        self.bytes = bytes
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.verdict = verdict
        self.reason = reason
        self.subject = subject
        self.from = from
    }
}

/// The risk assessment's memory (issue 18): whom each account corresponds with, and the
/// quarantine.
public protocol RiskStore: Sendable {
    /// Counts each exchange (one message with several recipients gives several), keeping the
    /// latest display name. Addresses are kept in canonical form.
    func recordCorrespondence(_ exchanges: [Correspondence], at date: Date) async throws
    /// The account's correspondents, most messages first, at most `limit`; `.own` entries not included.
    func correspondents(of account: AccountID, limit: Int) async throws -> [Correspondent]
    /// Every account's own address with the display name it sends under, at most `limit`.
    func ownNames(limit: Int) async throws -> [Correspondent]

    /// Holds a message; returns its quarantine id.
    func quarantine(_ request: QuarantineRequest) async throws -> QuarantinedMessage
    /// Held messages, oldest first.
    func quarantinedMessages() async throws -> [QuarantinedMessage]
    func quarantinedMessage(_ id: Int64) async throws -> QuarantinedMessage?
    /// Forgets a held message and its body (after a release or to delete it).
    func removeQuarantined(_ id: Int64) async throws
}
