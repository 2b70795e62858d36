/// fetch-att (RFC 9051 §6.4.5 and §9, RFC 3501 §6.4.5 RFC822 forms, RFC 3516 BINARY, RFC 7162 MODSEQ).
/// The macros ALL, FAST and FULL are expanded by the parser (RFC 9051 §6.4.5).
public enum IMAPFetchAttribute: Sendable, Equatable, Hashable {
    case envelope
    case flags
    case internalDate
    case rfc822Size
    /// `BODY`: the non-extensible BODYSTRUCTURE.
    case body
    case bodyStructure
    case uid
    case modSeq
    /// `BODY[section]<partial>` and `BODY.PEEK[...]`.
    case bodySection(IMAPSection, partial: IMAPPartial?, peek: Bool)
    /// `BINARY[part]<partial>` and `BINARY.PEEK[...]` (RFC 3516 §4.1).
    case binary(part: [Int], partial: IMAPPartial?, peek: Bool)
    /// `BINARY.SIZE[part]` (RFC 3516 §4.2).
    case binarySize(part: [Int])
    /// RFC 3501 `RFC822` (= BODY[]), `RFC822.HEADER` (= BODY.PEEK[HEADER]), `RFC822.TEXT`
    /// (= BODY[TEXT]); rev1 only, answered under their own names.
    case rfc822
    case rfc822Header
    case rfc822Text
    /// `PREVIEW [(LAZY)]` (RFC 8970 §7): `lazy` lets the server answer NIL rather than compute it.
    case preview(lazy: Bool)
    /// RFC 8474 §5 `EMAILID` and `THREADID`.
    case emailID
    case threadID
    /// RFC 8514 §3 `SAVEDATE`.
    case saveDate

    /// ALL = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)
    public static let all: [IMAPFetchAttribute] = [.flags, .internalDate, .rfc822Size, .envelope]
    /// FAST = (FLAGS INTERNALDATE RFC822.SIZE)
    public static let fast: [IMAPFetchAttribute] = [.flags, .internalDate, .rfc822Size]
    /// FULL = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)
    public static let full: [IMAPFetchAttribute] = [.flags, .internalDate, .rfc822Size, .envelope, .body]
}

/// section = "[" [section-spec] "]"          (RFC 9051 §9)
public struct IMAPSection: Sendable, Equatable, Hashable {
    /// section-part: `1.2.3`; empty for the whole message.
    public var part: [Int]
    public var text: IMAPSectionText?

    public init(part: [Int] = [], text: IMAPSectionText? = nil) {
        self.part = part
        self.text = text
    }

    /// `BODY[]`
    public static let whole = IMAPSection()
}

/// section-msgtext / section-text             (RFC 9051 §9)
public enum IMAPSectionText: Sendable, Equatable, Hashable {
    case header
    /// Field names as sent (case-insensitive; compare uppercased).
    case headerFields([String])
    case headerFieldsNot([String])
    case text
    /// Only after a section-part.
    case mime
}

/// partial = "<" number64 "." nz-number64 ">"  (RFC 9051 §9)
public struct IMAPPartial: Sendable, Equatable, Hashable {
    public var offset: UInt64
    public var length: UInt64

    public init(offset: UInt64, length: UInt64) {
        self.offset = offset
        self.length = length
    }
}

/// fetch-modifiers (RFC 4466 §2.4, RFC 7162 §3.1.4 CHANGEDSINCE, §3.2.6 VANISHED).
public struct IMAPFetchModifiers: Sendable, Equatable, Hashable {
    public var changedSince: UInt64?
    /// Only valid in UID FETCH together with CHANGEDSINCE (RFC 7162 §3.2.6); the session checks.
    public var vanished: Bool

    public init(changedSince: UInt64? = nil, vanished: Bool = false) {
        self.changedSince = changedSince
        self.vanished = vanished
    }
}
