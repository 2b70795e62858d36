extension GrammarParser {
    /// search             = "SEARCH" [search-return-opts] SP search-program
    /// search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
    /// search-program     = ["CHARSET" SP charset SP] search-key *(SP search-key)
    mutating func search() throws -> IMAPSearchCommand {
        var command = IMAPSearchCommand(keys: [])
        try sp()
        var word = startsKeyword ? try keyword() : nil
        if word == "RETURN" {
            try sp()
            command.returnOptions = try searchReturnOptions()
            try sp()
            word = startsKeyword ? try keyword() : nil
        }
        if word == "CHARSET" {
            // charset = atom / quoted
            try sp()
            let name = peek() == UInt8(ascii: "\"") ? try quoted() : try atom()
            command.charset = String(decoding: name.map(asciiUpper), as: UTF8.self)
            try sp()
            word = startsKeyword ? try keyword() : nil
        }
        command.keys.append(try searchKey(named: word))
        while skip(UInt8(ascii: " ")) {
            guard command.keys.count < limits.maxListElements else { throw GrammarError("too many search keys", kind: .limitExceeded) }
            command.keys.append(try searchKey(named: nil))
        }
        return command
    }

    private var startsKeyword: Bool {
        guard let b = peek() else { return false }
        return (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z")
    }

    /// search-return-opt = "MIN" / "MAX" / "ALL" / "COUNT" / "SAVE"     (RFC 4731, RFC 5182)
    /// search-return-opt =/ modifier-context / modifier-partial / modifier-update   (RFC 5267 §5)
    /// modifier-partial  = "PARTIAL" SP partial-range
    mutating func searchReturnOption() throws -> IMAPSearchReturnOption {
        switch try keyword() {
        case "MIN": return .min
        case "MAX": return .max
        case "ALL": return .all
        case "COUNT": return .count
        case "SAVE": return .save
        case "CONTEXT": return .context
        case "UPDATE": return .update
        case "PARTIAL":
            try sp()
            return .partial(try partialRange())
        default: throw GrammarError("unknown SEARCH return option")
        }
    }

    /// partial-range = nz-number ":" nz-number   (RFC 5267 §5: "500:400 is the same as 400:500",
    /// no "*")
    mutating func partialRange() throws -> ClosedRange<UInt32> {
        let a = try nzNumber()
        try expect(UInt8(ascii: ":"), "\":\" in PARTIAL range")
        let b = try nzNumber()
        return min(a, b)...max(a, b)
    }

    /// search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
    /// RFC 5267 §4.4: "A single command MUST NOT contain more than one PARTIAL or ALL search
    /// return option".
    mutating func searchReturnOptions(refusing refused: IMAPSearchReturnOption? = nil) throws -> [IMAPSearchReturnOption] {
        let options = try parenthesized(allowEmpty: true) { p in
            let option = try p.searchReturnOption()
            if let refused, option == refused { throw GrammarError("\(option.name) is not a return option here") }
            return option
        }
        guard options.filter({ $0 == .all || $0.isPartial }).count <= 1 else {
            throw GrammarError("at most one of PARTIAL and ALL")
        }
        return options
    }

    /// search-key = "ALL" / "ANSWERED" / "BCC" SP astring / "BEFORE" SP date / "BODY" SP astring /
    ///   "CC" SP astring / "DELETED" / "FLAGGED" / "FROM" SP astring / "KEYWORD" SP flag-keyword /
    ///   "ON" SP date / "SEEN" / "SINCE" SP date / "SUBJECT" SP astring / "TEXT" SP astring /
    ///   "TO" SP astring / "UNANSWERED" / "UNDELETED" / "UNFLAGGED" / "UNKEYWORD" SP flag-keyword /
    ///   "UNSEEN" / "DRAFT" / "HEADER" SP header-fld-name SP astring / "LARGER" SP number64 /
    ///   "NOT" SP search-key / "OR" SP search-key SP search-key / "SENTBEFORE" SP date /
    ///   "SENTON" SP date / "SENTSINCE" SP date / "SMALLER" SP number64 / "UID" SP sequence-set /
    ///   "UNDRAFT" / sequence-set / "(" search-key *(SP search-key) ")"
    /// search-key =/ "NEW" / "OLD" / "RECENT"                              (RFC 3501 §6.4.4)
    /// search-key =/ "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer  (RFC 7162)
    /// search-key =/ "EMAILID" SP objectid / "THREADID" SP objectid                     (RFC 8474)
    mutating func searchKey(named prefetched: String?) throws -> IMAPSearchKey {
        try nested { p in try p.searchKeyBody(prefetched) }
    }

    private mutating func searchKeyBody(_ prefetched: String?) throws -> IMAPSearchKey {
        if prefetched == nil {
            if peek() == UInt8(ascii: "(") {
                return .and(try parenthesized(allowEmpty: false) { try $0.searchKey(named: nil) })
            }
            if atSequenceSet { return .sequenceSet(try sequenceSet()) }
        }
        let name = try prefetched ?? keyword()
        switch name {
        case "ALL": return .all
        case "ANSWERED": return .answered
        case "DELETED": return .deleted
        case "DRAFT": return .draft
        case "FLAGGED": return .flagged
        case "SEEN": return .seen
        case "UNANSWERED": return .unanswered
        case "UNDELETED": return .undeleted
        case "UNDRAFT": return .undraft
        case "UNFLAGGED": return .unflagged
        case "UNSEEN": return .unseen
        case "NEW": return .new
        case "OLD": return .old
        case "RECENT": return .recent
        case "KEYWORD", "UNKEYWORD":
            try sp()
            let keyword = try flag()
            return name == "KEYWORD" ? .keyword(keyword) : .unkeyword(keyword)
        case "BCC": try sp(); return .bcc(try astring())
        case "BODY": try sp(); return .body(try astring())
        case "CC": try sp(); return .cc(try astring())
        case "FROM": try sp(); return .from(try astring())
        case "SUBJECT": try sp(); return .subject(try astring())
        case "TEXT": try sp(); return .text(try astring())
        case "TO": try sp(); return .to(try astring())
        case "HEADER":
            try sp()
            let field = try utf8Astring()
            try sp()
            return .header(name: field, value: try astring())
        case "BEFORE": try sp(); return .before(try date())
        case "ON": try sp(); return .on(try date())
        case "SINCE": try sp(); return .since(try date())
        case "SENTBEFORE": try sp(); return .sentBefore(try date())
        case "SENTON": try sp(); return .sentOn(try date())
        case "SENTSINCE": try sp(); return .sentSince(try date())
        case "LARGER": try sp(); return .larger(try number64())
        case "SMALLER": try sp(); return .smaller(try number64())
        case "UID": try sp(); return .uid(try sequenceSet())
        case "NOT": try sp(); return .not(try searchKey(named: nil))
        case "OR":
            try sp()
            let a = try searchKey(named: nil)
            try sp()
            return .or(a, try searchKey(named: nil))
        case "MODSEQ": return try modSeqKey()
        // search-key =/ "SAVEDBEFORE" SP date / "SAVEDON" SP date / "SAVEDSINCE" SP date /
        //               "SAVEDATESUPPORTED"                                  (RFC 8514 §5)
        case "SAVEDBEFORE": try sp(); return .savedBefore(try date())
        case "SAVEDON": try sp(); return .savedOn(try date())
        case "SAVEDSINCE": try sp(); return .savedSince(try date())
        case "SAVEDATESUPPORTED": return .saveDateSupported
        case "EMAILID", "THREADID":
            // search-key =/ "EMAILID" SP objectid / "THREADID" SP objectid   (RFC 8474 §7)
            try sp()
            let id = String(decoding: try atom(), as: UTF8.self)
            guard IMAPObjectID.isValid(id) else { throw GrammarError("invalid object ID") }
            return name == "EMAILID" ? .emailID(id) : .threadID(id)
        default:
            throw GrammarError("unknown search key")
        }
    }

    /// search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer
    /// search-modseq-ext  = SP entry-name SP entry-type-req
    /// entry-name         = DQUOTE "/flags/" attr-flag DQUOTE ; entry-type-req = "priv" / "shared" / "all"
    private mutating func modSeqKey() throws -> IMAPSearchKey {
        try sp()
        var entry: IMAPModSeqEntry?
        if peek() == UInt8(ascii: "\"") {
            let name = String(decoding: try quoted(), as: UTF8.self)
            guard name.lowercased().hasPrefix("/flags/"), name.count > 7 else { throw GrammarError("invalid entry name") }
            try sp()
            let type = try keyword().lowercased()
            guard ["priv", "shared", "all"].contains(type) else { throw GrammarError("invalid entry type") }
            entry = IMAPModSeqEntry(flag: Self.canonicalSystemFlag(String(name.dropFirst(7))), type: type)
            try sp()
        }
        return .modSeq(try number64(), entry: entry)
    }
}
