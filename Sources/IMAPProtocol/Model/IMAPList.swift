/// LIST (RFC 9051 §6.3.9, RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE).
public struct IMAPListCommand: Sendable, Equatable {
    public var selectOptions: [IMAPListSelectOption]
    /// Decoded like a mailbox name (may be empty).
    public var reference: String
    /// One or more patterns with `%` and `*` (RFC 5258 §3 allows a parenthesised list).
    public var patterns: [String]
    public var returnOptions: [IMAPListReturnOption]
    /// True when selection options, a pattern list or RETURN were given (RFC 5258 §3:
    /// the response then includes extended data where asked).
    public var isExtended: Bool

    public init(selectOptions: [IMAPListSelectOption] = [], reference: String, patterns: [String],
                returnOptions: [IMAPListReturnOption] = [], isExtended: Bool = false) {
        self.selectOptions = selectOptions
        self.reference = reference
        self.patterns = patterns
        self.returnOptions = returnOptions
        self.isExtended = isExtended
    }
}

/// list-select-opt (RFC 5258 §6, RFC 6154 §6 SPECIAL-USE). Unknown options are refused with
/// BAD (RFC 5258 §3), so there is no "other" case.
public enum IMAPListSelectOption: Sendable, Equatable, Hashable {
    case subscribed
    case remote
    case recursiveMatch
    case specialUse
}

/// return-option (RFC 5258 §6, RFC 5819 §2 STATUS, RFC 6154 §6 SPECIAL-USE).
public enum IMAPListReturnOption: Sendable, Equatable, Hashable {
    case subscribed
    case children
    case specialUse
    case status([IMAPStatusAttribute])
}
