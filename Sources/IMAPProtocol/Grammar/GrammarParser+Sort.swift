extension GrammarParser {
    /// sort            = ["UID" SP] "SORT" SP sort-criteria SP search-criteria      (RFC 5256 §4)
    /// extended-sort   = ["UID" SP] "SORT" search-return-opts SP sort-criteria SP search-criteria
    ///                                                                              (RFC 5267 §3.2)
    /// sort-criteria   = "(" sort-criterion *(SP sort-criterion) ")"
    /// sort-criterion  = ["REVERSE" SP] sort-key
    mutating func sort() throws -> IMAPSortCommand {
        try sp()
        var returnOptions: [IMAPSearchReturnOption]?
        if peek() != UInt8(ascii: "(") {
            guard try keyword() == "RETURN" else { throw GrammarError("expected sort criteria") }
            // RFC 5267 §3.1: MIN, MAX, ALL, COUNT; §4: CONTEXT, UPDATE, PARTIAL (CONTEXT=SORT).
            try sp()
            returnOptions = try searchReturnOptions(refusing: .save)
            try sp()
        }
        let criteria = try parenthesized(allowEmpty: false) { p -> IMAPSortCriterion in
            var name = try p.keyword()
            var reverse = false
            if name == "REVERSE" {
                reverse = true
                try p.sp()
                name = try p.keyword()
            }
            guard let key = IMAPSortKey(rawValue: name) else { throw GrammarError("unknown sort key") }
            return IMAPSortCriterion(key, reverse: reverse)
        }
        var search = try searchCriteria()
        search.returnOptions = returnOptions
        return IMAPSortCommand(criteria: criteria, search: search)
    }

    /// thread          = ["UID" SP] "THREAD" SP thread-alg SP search-criteria      (RFC 5256 §4)
    /// thread-alg      = "ORDEREDSUBJECT" / "REFERENCES" / thread-alg-ext
    mutating func thread() throws -> IMAPThreadCommand {
        try sp()
        guard let algorithm = IMAPThreadAlgorithm(rawValue: try keyword()) else {
            throw GrammarError("unknown threading algorithm")
        }
        return IMAPThreadCommand(algorithm: algorithm, search: try searchCriteria())
    }

    /// search-criteria = charset 1*(SP search-key)      (RFC 5256 §4; the charset is not optional)
    /// charset         = atom / quoted
    private mutating func searchCriteria() throws -> IMAPSearchCommand {
        try sp()
        let name = peek() == UInt8(ascii: "\"") ? try quoted() : try atom()
        var command = IMAPSearchCommand(charset: String(decoding: name.map(asciiUpper), as: UTF8.self), keys: [])
        repeat {
            try sp()
            guard command.keys.count < limits.maxListElements else { throw GrammarError("too many search keys", kind: .limitExceeded) }
            command.keys.append(try searchKey(named: nil))
        } while peek() == UInt8(ascii: " ")
        return command
    }
}
