/// SEARCH / UID SEARCH (RFC 9051 §6.4.4, RFC 4731 ESEARCH RETURN options, RFC 5182 SAVE).
public struct IMAPSearchCommand: Sendable, Equatable {
    /// The CHARSET argument, uppercased; nil when absent (US-ASCII / UTF-8).
    public var charset: String?
    /// nil without RETURN: answer with the rev1 `* SEARCH` response (or `* ESEARCH` for rev2
    /// sessions). `[]` is `RETURN ()`, meaning `RETURN (ALL)` (RFC 4731 §3.1).
    public var returnOptions: [IMAPSearchReturnOption]?
    /// All keys of the program, AND-ed.
    public var keys: [IMAPSearchKey]

    public init(charset: String? = nil, returnOptions: [IMAPSearchReturnOption]? = nil, keys: [IMAPSearchKey]) {
        self.charset = charset
        self.returnOptions = returnOptions
        self.keys = keys
    }
}

/// search-return-opt = "MIN" / "MAX" / "ALL" / "COUNT" / "SAVE"   (RFC 9051 §9)
/// search-return-opt =/ modifier-context / modifier-partial / modifier-update   (RFC 5267 §5)
public enum IMAPSearchReturnOption: Sendable, Equatable, Hashable {
    case min, max, all, count, save
    /// RFC 5267 §4.2 `CONTEXT`: a hint that the search will be used again.
    case context
    /// RFC 5267 §4.3 `UPDATE`: keep the result live with ADDTO/REMOVEFROM.
    case update
    /// RFC 5267 §4.4 `PARTIAL n:m`: the results at positions n...m (1 is the first); `500:400`
    /// is stored as `400...500`.
    case partial(ClosedRange<UInt32>)

    /// The option's name as written in a command.
    public var name: String {
        switch self {
        case .min: "MIN"
        case .max: "MAX"
        case .all: "ALL"
        case .count: "COUNT"
        case .save: "SAVE"
        case .context: "CONTEXT"
        case .update: "UPDATE"
        case .partial: "PARTIAL"
        }
    }

    public var isPartial: Bool {
        if case .partial = self { return true }
        return false
    }
}

extension Array where Element == IMAPSearchReturnOption {
    /// The PARTIAL range asked for, if any (RFC 5267 §4.4).
    public var partialRange: ClosedRange<UInt32>? {
        for option in self { if case .partial(let range) = option { return range } }
        return nil
    }
}

/// search-key (RFC 9051 §6.4.4, §9; RFC 3501 NEW/OLD/RECENT for rev1; RFC 7162 §3.1.5 MODSEQ).
/// String arguments stay octets: they are in the command's CHARSET, which the server decodes.
public indirect enum IMAPSearchKey: Sendable, Equatable, Hashable {
    case all, answered, deleted, draft, flagged, seen
    case unanswered, undeleted, undraft, unflagged, unseen
    /// RFC 3501 only.
    case new, old, recent
    case keyword(String)
    case unkeyword(String)
    case bcc([UInt8]), body([UInt8]), cc([UInt8]), from([UInt8]), subject([UInt8]), text([UInt8]), to([UInt8])
    case header(name: String, value: [UInt8])
    case before(IMAPDate), on(IMAPDate), since(IMAPDate)
    case sentBefore(IMAPDate), sentOn(IMAPDate), sentSince(IMAPDate)
    case larger(UInt64), smaller(UInt64)
    case uid(IMAPSequenceSet)
    case sequenceSet(IMAPSequenceSet)
    case not(IMAPSearchKey)
    case or(IMAPSearchKey, IMAPSearchKey)
    /// A parenthesised list.
    case and([IMAPSearchKey])
    /// MODSEQ [entry-name entry-type-req] mod-sequence-valzer
    case modSeq(UInt64, entry: IMAPModSeqEntry?)
    /// RFC 8474 §6.
    case emailID(String), threadID(String)
    /// RFC 8514 §4.
    case savedBefore(IMAPDate), savedOn(IMAPDate), savedSince(IMAPDate), saveDateSupported
}

/// search-modseq-ext = SP entry-name SP entry-type-req   (RFC 7162 §7)
public struct IMAPModSeqEntry: Sendable, Equatable, Hashable {
    /// The flag, from "/flags/<flag>".
    public var flag: String
    /// "priv", "shared" or "all", lowercased.
    public var type: String

    public init(flag: String, type: String) {
        self.flag = flag
        self.type = type
    }
}
