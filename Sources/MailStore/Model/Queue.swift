import Foundation
import MailCore

public struct QueueMessageID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

/// One envelope recipient of a queued message and where its delivery stands.
public struct QueuedRecipient: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        /// Waiting for its first attempt or for its next one after a temporary failure.
        case queued, deferred
        /// Finished: the outcome was recorded before the recipient left the queue's work list.
        case delivered, failed
        public var isFinal: Bool { self == .delivered || self == .failed }
    }

    public let address: EmailAddress
    /// NOTIFY and ORCPT as received (RFC 3461 §4.1, §4.2).
    public var dsn: DSNRequest
    public var state: State
    public var attempts: Int
    public var nextAttempt: Date
    /// The last reply from the remote server or the reason for the last failure.
    public var lastReply: String?

    public init(address: EmailAddress, dsn: DSNRequest = DSNRequest(), state: State = .queued,
                attempts: Int = 0, nextAttempt: Date = Date(), lastReply: String? = nil) {
        self.address = address
        self.dsn = dsn
        self.state = state
        self.attempts = attempts
        self.nextAttempt = nextAttempt
        self.lastReply = lastReply
    }
}

/// How a message asked for TLS on its way (RFC 8689), tagged when it was received (§4.1).
public enum TLSRequirement: String, Sendable, Hashable, Codable {
    /// No request: the recipient domain's policy applies (DANE, MTA-STS, else opportunistic).
    case policy
    /// MAIL FROM ... REQUIRETLS (§4.2.1): only over TLS to a validated peer that offers REQUIRETLS.
    case required = "requiretls"
    /// "TLS-Required: No" (§3, §4.2.2): recipient-domain policies are ignored; STARTTLS is still tried.
    case optional = "no"

    /// The tag for a message received with or without the MAIL parameter and with these
    /// TLS-Required field values: the parameter wins, and the field counts only when it occurs
    /// once with the value "No" (§3: more than one instance MUST NOT appear).
    public static func tagged(requireTLSParameter: Bool, tlsRequiredFields: [String]) -> TLSRequirement {
        if requireTLSParameter { return .required }
        guard tlsRequiredFields.count == 1,
              tlsRequiredFields[0].trimmingCharacters(in: .whitespacesAndNewlines).lowercased() == "no" else { return .policy }
        return .optional
    }
}

/// A message waiting for outbound delivery: the body once, one entry per recipient.
public struct QueuedMessage: Sendable, Equatable {
    public let id: QueueMessageID
    /// The envelope sender; nil is the null reverse-path `<>` (bounces never get bounced).
    public let mailFrom: EmailAddress?
    public let recipients: [QueuedRecipient]
    public let body: BodyReference
    public let size: Int64
    /// RFC 3461 ENVID and RET, RFC 6531 SMTPUTF8, RFC 6152 BODY, as given at MAIL FROM.
    public let envelopeID: String?
    public let returnContent: String?
    public let smtpUTF8: Bool
    public let bodyType: String?
    public let createdAt: Date
    /// RFC 8689 REQUIRETLS or "TLS-Required: No", as tagged at reception.
    public let tlsRequirement: TLSRequirement

    public init(id: QueueMessageID, mailFrom: EmailAddress?, recipients: [QueuedRecipient], body: BodyReference, size: Int64,
                envelopeID: String?, returnContent: String?, smtpUTF8: Bool, bodyType: String?, createdAt: Date,
                tlsRequirement: TLSRequirement = .policy) {
        self.tlsRequirement = tlsRequirement
        self.id = id
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.body = body
        self.size = size
        self.envelopeID = envelopeID
        self.returnContent = returnContent
        self.smtpUTF8 = smtpUTF8
        self.bodyType = bodyType
        self.createdAt = createdAt
    }
}

/// What to enqueue: the message and its envelope.
public struct OutboundMessage: Sendable {
    public var bytes: [UInt8]
    public var mailFrom: EmailAddress?
    public var recipients: [QueuedRecipient]
    public var envelopeID: String?
    public var returnContent: String?
    public var smtpUTF8: Bool
    public var bodyType: String?
    /// RFC 8689 (stored with the entry, migration v14-requiretls-tlsrpt).
    public var tlsRequirement: TLSRequirement

    public init(bytes: [UInt8], mailFrom: EmailAddress?, recipients: [QueuedRecipient], envelopeID: String? = nil,
                returnContent: String? = nil, smtpUTF8: Bool = false, bodyType: String? = nil, tlsRequirement: TLSRequirement = .policy) {
        self.tlsRequirement = tlsRequirement
        self.bytes = bytes
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.envelopeID = envelopeID
        self.returnContent = returnContent
        self.smtpUTF8 = smtpUTF8
        self.bodyType = bodyType
    }
}

/// One recipient of one queued message.
public struct QueueRecipientKey: Hashable, Sendable {
    public let message: QueueMessageID
    public let address: EmailAddress
    public init(message: QueueMessageID, address: EmailAddress) {
        self.message = message
        self.address = address
    }
}

/// The outcome of one delivery attempt for one recipient.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered(reply: String)
    case deferred(reply: String, nextAttempt: Date)
    case failed(reply: String)
}

/// The persistent outbound queue (RFC 5321 §4.5.4). Delivery itself lives in `OutboundQueue`.
public protocol QueueStore: Sendable {
    /// Stores the message durably (body file fsynced, rows committed) before returning.
    func enqueue(_ message: OutboundMessage) async throws -> QueueMessageID
    func queuedMessages() async throws -> [QueuedMessage]
    func queuedMessage(_ id: QueueMessageID) async throws -> QueuedMessage?
    /// Records an attempt's outcome for one recipient (before anything else acts on it, so a
    /// crash never loses an outcome); a message whose recipients are all final leaves the queue.
    func recordOutcome(_ outcome: DeliveryOutcome, message: QueueMessageID, recipient: EmailAddress) async throws
    /// Takes these recipients for delivery by `owner` until `lease` after `now` and returns the
    /// ones it got: those not final, due at `now`, and not leased by another owner whose lease
    /// runs on. Several nodes on one store each work a recipient alone this way; a node that
    /// dies leaves its leases to expire (docs/scaling.md, "Shared queue"). `recordOutcome` ends
    /// the lease. A store only one process delivers from leases nothing and returns what is due.
    func claim(_ recipients: [QueueRecipientKey], owner: String, lease: Duration, now: Date) async throws -> Set<QueueRecipientKey>
    /// Extends `owner`'s leases on these recipients to `lease` after `now`, for a delivery that
    /// runs longer than a lease (a slow peer, a large batch); returns how many were extended.
    /// Leases already ended by `recordOutcome` or taken by another node are left alone. A store
    /// that leases nothing extends nothing.
    func renewLeases(_ recipients: [QueueRecipientKey], owner: String, lease: Duration, now: Date) async throws -> Int
    /// Makes every unfinished recipient of the message due now.
    func retryNow(_ id: QueueMessageID) async throws
    /// Makes every unfinished recipient of every message due now.
    func retryAllNow() async throws
    /// Removes the message from the queue without delivering it.
    func deleteQueued(_ id: QueueMessageID) async throws
    /// Yields after every enqueue, `retryNow` and `retryAllNow` made in this process (after the
    /// commit), until the stream is dropped: the delivery scheduler's wake-up.
    func queueActivity() -> AsyncStream<Void>
}
