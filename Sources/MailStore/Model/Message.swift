import Foundation

/// IMAP system flags (RFC 9051 §2.3.2), stored as a bit set.
public struct SystemFlags: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let seen = SystemFlags(rawValue: 1 << 0)
    public static let answered = SystemFlags(rawValue: 1 << 1)
    public static let flagged = SystemFlags(rawValue: 1 << 2)
    public static let deleted = SystemFlags(rawValue: 1 << 3)
    public static let draft = SystemFlags(rawValue: 1 << 4)

    public static let all: [(SystemFlags, String)] = [
        (.seen, "\\Seen"), (.answered, "\\Answered"), (.flagged, "\\Flagged"), (.deleted, "\\Deleted"), (.draft, "\\Draft"),
    ]

    /// The system flag `name` spells, compared without regard to case; nil for anything else.
    /// ASCII names (every flag an IMAP command can carry: flags are atoms) are compared byte by
    /// byte; Foundation's `caseInsensitiveCompare` cost about 4,500 instructions per flag tried
    /// (callgrind, docs/PERFORMANCE.md 2026-12-06 night) and stays for anything else.
    public static func named(_ name: String) -> SystemFlags? {
        guard name.utf8.allSatisfy({ $0 < 0x80 }) else {
            return all.first(where: { $0.1.caseInsensitiveCompare(name) == .orderedSame })?.0
        }
        guard name.utf8.first == UInt8(ascii: "\\") else { return nil }  // a keyword
        return all.first(where: { equalsIgnoringASCIICase($0.1, name) })?.0
    }

    /// Byte-wise equality with A-Z folded to a-z.
    public static func equalsIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard x.count == y.count else { return false }
                for i in 0..<x.count where x[i] != y[i] {
                    let p = x[i] | 0x20, q = y[i] | 0x20
                    guard p == q, p >= 0x61, p <= 0x7A else { return false }
                }
                return true
            }
        }
    }

    /// `names` of the system flags alone, one array per combination of the five flags.
    static let namesByBits: [[String]] = (0..<32).map { bits in
        all.filter { SystemFlags(rawValue: bits).contains($0.0) }.map(\.1)
    }
}

/// System flags plus keywords (RFC 9051 §2.3.2: keywords are atoms, case-insensitive).
public struct MessageFlags: Sendable, Hashable, Codable {
    public var system: SystemFlags
    /// Kept sorted and without duplicates so equal flag sets compare equal.
    public private(set) var keywords: [String]

    public init(system: SystemFlags = [], keywords: some Sequence<String> = [String]()) {
        self.system = system
        self.keywords = Self.normalized(keywords)
    }

    /// The same for an array (every message row read makes one): not generic, so callers in
    /// other modules do not go through the generic path and its dynamic cast (about 700
    /// instructions per message: docs/PERFORMANCE.md 2026-12-06 night).
    public init(system: SystemFlags, keywords: [String]) {
        self.system = system
        self.keywords = keywords.isEmpty ? [] : Self.normalized(keywords)
    }

    /// Parses IMAP flag names: `\Seen` and friends become system flags, anything else a keyword.
    public init(names: some Sequence<String>) {
        var system: SystemFlags = []
        var keywords: [String] = []
        for name in names {
            if let match = SystemFlags.named(name) {
                system.insert(match)
            } else if !name.hasPrefix("\\") {
                keywords.append(name)
            }
        }
        self.init(system: system, keywords: keywords)
    }

    public var names: [String] {
        // One array, sized once (every FETCH FLAGS item of a message asks for this).
        if system.isEmpty { return keywords }
        if keywords.isEmpty { return SystemFlags.namesByBits[system.rawValue & 31] }
        var names: [String] = []
        names.reserveCapacity(SystemFlags.all.count + keywords.count)
        for (flag, name) in SystemFlags.all where system.contains(flag) { names.append(name) }
        names.append(contentsOf: keywords)
        return names
    }

    public mutating func formUnion(_ other: MessageFlags) {
        system.formUnion(other.system)
        keywords = Self.normalized(keywords + other.keywords)
    }

    public mutating func subtract(_ other: MessageFlags) {
        system.subtract(other.system)
        let removed = Set(other.keywords.map { $0.lowercased() })
        keywords.removeAll { removed.contains($0.lowercased()) }
    }

    private static func normalized(_ keywords: some Sequence<String>) -> [String] {
        // Most messages have no keywords: no set, no filter, no sort for them (every SELECT
        // builds one per message).
        if keywords.underestimatedCount == 0, let array = keywords as? [String], array.isEmpty { return [] }
        var seen = Set<String>()
        return keywords.filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }.sorted()
    }
}

/// How STORE changes flags (RFC 9051 §6.4.6).
public enum FlagChange: Sendable, Equatable {
    case replace(MessageFlags)
    case add(MessageFlags)
    case remove(MessageFlags)

    public func apply(to flags: MessageFlags) -> MessageFlags {
        var result = flags
        switch self {
        case .replace(let new): result = new
        case .add(let new): result.formUnion(new)
        case .remove(let old): result.subtract(old)
        }
        return result
    }
}

/// One message in one mailbox: everything IMAP needs without opening the body.
public struct StoredMessage: Sendable, Equatable {
    public let mailboxID: MailboxID
    public let uid: UInt32
    public let modSeq: UInt64
    public let flags: MessageFlags
    public let internalDate: Date
    /// Octets of the body file, exactly what RFC822.SIZE and POP3 LIST report.
    public let size: Int64
    public let body: BodyReference
    /// The parsed summary (envelope, body structure) computed at delivery; see `MessageSummarizer`.
    public let summary: Data?
    /// RFC 8514: when the message was saved in this mailbox; nil when unknown (saved before the
    /// store recorded it).
    public let savedDate: Date?

    public init(
        mailboxID: MailboxID, uid: UInt32, modSeq: UInt64, flags: MessageFlags, internalDate: Date, size: Int64,
        body: BodyReference, summary: Data?, savedDate: Date? = nil
    ) {
        self.mailboxID = mailboxID
        self.uid = uid
        self.modSeq = modSeq
        self.flags = flags
        self.internalDate = internalDate
        self.size = size
        self.body = body
        self.summary = summary
        self.savedDate = savedDate
    }

    /// The same message with no summary (`MessageStore.messagesWithoutSummaries(in:)`).
    public var withoutSummary: StoredMessage {
        StoredMessage(mailboxID: mailboxID, uid: uid, modSeq: modSeq, flags: flags, internalDate: internalDate, size: size,
                      body: body, summary: nil, savedDate: savedDate)
    }
}

/// A message to add to a mailbox (delivery, IMAP APPEND, import).
public struct AppendRequest: Sendable {
    public var bytes: [UInt8]
    public var flags: MessageFlags
    public var internalDate: Date
    /// The summary of `bytes` when the caller already has it (reception parses a message once
    /// and hands its summary on); nil lets the store's `MessageSummarizer` compute it.
    public var summary: Data?
    /// RFC 3501 §2.3.2: the appending session has the target mailbox selected and takes the new
    /// message's \Recent in the same transaction, before any other session hears of it
    /// (`MessageStore.claimRecent`); `AppendResult.recentFrom` says what it got.
    public var claimsRecent = false

    public init(bytes: [UInt8], flags: MessageFlags = MessageFlags(), internalDate: Date = Date(), summary: Data? = nil) {
        self.bytes = bytes
        self.flags = flags
        self.internalDate = internalDate
        self.summary = summary
    }
}

/// What APPEND reports (UIDPLUS APPENDUID, RFC 4315 §3).
public struct AppendResult: Sendable, Equatable {
    public let mailboxID: MailboxID
    public let uidValidity: UInt32
    public let uid: UInt32
    public let modSeq: UInt64
    /// With `AppendRequest.claimsRecent`: the mailbox's first unclaimed UID before this append
    /// (`claimRecent`'s answer through the new UID); nil otherwise.
    public var recentFrom: UInt32?
    public init(mailboxID: MailboxID, uidValidity: UInt32, uid: UInt32, modSeq: UInt64, recentFrom: UInt32? = nil) {
        self.mailboxID = mailboxID
        self.uidValidity = uidValidity
        self.uid = uid
        self.modSeq = modSeq
        self.recentFrom = recentFrom
    }
}

/// What REPLACE did (RFC 8508): the new message, and the source's mod-sequence of the expunge.
public struct ReplaceResult: Sendable, Equatable {
    public let appended: AppendResult
    public let expungeModSeq: UInt64

    public init(appended: AppendResult, expungeModSeq: UInt64) {
        self.appended = appended
        self.expungeModSeq = expungeModSeq
    }
}

/// Computes the parsed summary stored beside each message. The composition root supplies the
/// MailMessage parser; the store itself never parses mail.
public typealias MessageSummarizer = @Sendable ([UInt8]) -> Data?

/// What a mailbox view needs of each message (IMAP SELECT: numbering, flags, CONDSTORE's
/// mod-sequence), without the summary, size, dates or body path of `StoredMessage`: opening a
/// mailbox reads only these columns.
public struct MessageState: Sendable, Equatable {
    public let uid: UInt32
    public let modSeq: UInt64
    public let flags: MessageFlags

    public init(uid: UInt32, modSeq: UInt64, flags: MessageFlags) {
        self.uid = uid
        self.modSeq = modSeq
        self.flags = flags
    }

    public init(_ message: StoredMessage) {
        self.init(uid: message.uid, modSeq: message.modSeq, flags: message.flags)
    }
}
