/// SORT / UID SORT (RFC 5256 §4, RFC 5957 DISPLAYFROM/DISPLAYTO, RFC 5267 §3 ESORT RETURN options).
public struct IMAPSortCommand: Sendable, Equatable {
    /// At least one; earlier criteria decide first, later ones break ties.
    public var criteria: [IMAPSortCriterion]
    /// The search program: `charset` is always present (RFC 5256 §4 `search-criteria = charset
    /// 1*(SP search-key)`); `returnOptions` non-nil makes it an ESORT answered with ESEARCH.
    public var search: IMAPSearchCommand

    public init(criteria: [IMAPSortCriterion], search: IMAPSearchCommand) {
        self.criteria = criteria
        self.search = search
    }
}

/// sort-criterion = ["REVERSE" SP] sort-key   (RFC 5256 §4)
public struct IMAPSortCriterion: Sendable, Equatable, Hashable {
    public var key: IMAPSortKey
    public var reverse: Bool

    public init(_ key: IMAPSortKey, reverse: Bool = false) {
        self.key = key
        self.reverse = reverse
    }
}

/// sort-key = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" / "SUBJECT" / "TO"   (RFC 5256 §4)
/// sort-key =/ "DISPLAYFROM" / "DISPLAYTO"                                     (RFC 5957 §4)
public enum IMAPSortKey: String, Sendable, Equatable, Hashable, CaseIterable {
    case arrival = "ARRIVAL"
    case cc = "CC"
    case date = "DATE"
    case from = "FROM"
    case size = "SIZE"
    case subject = "SUBJECT"
    case to = "TO"
    case displayFrom = "DISPLAYFROM"
    case displayTo = "DISPLAYTO"
}

/// THREAD / UID THREAD (RFC 5256 §4).
public struct IMAPThreadCommand: Sendable, Equatable {
    public var algorithm: IMAPThreadAlgorithm
    /// `charset` is always present; `returnOptions` is always nil.
    public var search: IMAPSearchCommand

    public init(algorithm: IMAPThreadAlgorithm, search: IMAPSearchCommand) {
        self.algorithm = algorithm
        self.search = search
    }
}

/// thread-alg = "ORDEREDSUBJECT" / "REFERENCES" / thread-alg-ext   (RFC 5256 §4)
public enum IMAPThreadAlgorithm: String, Sendable, Equatable, Hashable, CaseIterable {
    case orderedSubject = "ORDEREDSUBJECT"
    case references = "REFERENCES"
}

/// One thread-list of a THREAD response (RFC 5256 §4): `thread-members`, a chain of messages
/// each the only child of the one before, then the last one's children, each a thread-list of
/// its own (`thread-nested`, two or more). No numbers: the dummy parent of several top-level
/// messages with the same base subject. A chain is an array, not nesting, so a long reply
/// chain never makes a deep value.
public struct IMAPThreadNode: Sendable, Equatable {
    /// Message numbers or UIDs.
    public var numbers: [UInt32]
    public var children: [IMAPThreadNode]

    public init(_ numbers: [UInt32], _ children: [IMAPThreadNode] = []) {
        self.numbers = numbers
        self.children = children
    }
}
