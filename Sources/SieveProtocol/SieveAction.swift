import MailMessage

/// What a script decided, once it ran to its end (RFC 5228 §2.10): the delivery performs these.
public enum SieveAction: Sendable, Equatable {
    /// Store in INBOX (explicit or implicit keep) with these IMAP flags and keywords.
    case keep(flags: [String])
    case fileinto(mailbox: String, flags: [String], create: Bool)
    case redirect(address: String)
    /// RFC 5429: refuse the message; `extended` for ereject (answered as reject after acceptance).
    case reject(reason: String, extended: Bool)
    case vacation(SieveVacationReply)
}

/// A vacation response the script asked for (RFC 5230 §4); whether it is sent is decided by
/// the delivery (RFC 5230 §4.5-4.6: recipient named, no lists, once per period).
public struct SieveVacationReply: Sendable, Equatable {
    /// How long before the same sender gets another reply, after the configured bounds.
    public var period: Int
    public var subject: String?
    public var from: String?
    public var addresses: [String]
    public var mime: Bool
    /// RFC 5230 §4.2: replies with the same handle count as one for the period.
    public var handle: String
    public var reason: String
}

/// How the vacation period is bounded (RFC 5230 §4.1 lets sites set the minimum and maximum).
public struct SieveVacationPolicy: Sendable, Equatable {
    public var defaultPeriod = 7 * 86_400
    public var minimumPeriod = 86_400
    public var maximumPeriod = 60 * 86_400

    public init() {}

    func period(_ asked: Int?) -> Int {
        min(max(asked ?? defaultPeriod, minimumPeriod), maximumPeriod)
    }
}

public struct SieveResult: Sendable, Equatable {
    public var actions: [SieveAction]
    /// Interpreter steps the run took.
    public var steps: Int
    /// RFC 5293: the top-level header after addheader/deleteheader, what keep and fileinto store
    /// (and redirect sends); nil when the script did not change it.
    public var editedHeader: HeaderSection? = nil
    /// RFC 7352: ids to track once the message was delivered.
    public var duplicates: [SieveDuplicateRecord] = []
    /// What the delivery logs (a :regex that was invalid or hit a bound, and so was false).
    public var notes: [String] = []
}
