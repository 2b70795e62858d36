import NIOCore

extension GrammarParser {
    /// select-params = SP "(" select-param *(SP select-param) ")"          (RFC 4466 §2.1)
    /// select-param  =/ "CONDSTORE"                                          (RFC 7162 §7)
    /// select-param  =/ "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
    ///                  [SP seq-match-data] ")"
    mutating func selectParameters() throws -> IMAPSelectParameters {
        var params = IMAPSelectParameters()
        guard skip(UInt8(ascii: " ")) else { return params }
        _ = try parenthesized(allowEmpty: false) { p -> Void in
            switch try p.keyword() {
            case "CONDSTORE":
                params.condstore = true
            case "QRESYNC":
                try p.sp()
                params.qresync = try p.qresyncParameters()
            default:
                throw GrammarError("unknown SELECT parameter")
            }
        }
        return params
    }

    /// "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"
    /// seq-match-data = "(" known-sequence-set SP known-uid-set ")"          (RFC 7162 §7)
    mutating func qresyncParameters() throws -> IMAPQResyncParameters {
        try expect(UInt8(ascii: "("))
        return try nested { p in
            var q = IMAPQResyncParameters(uidValidity: try p.nzNumber(), modSeq: 0)
            try p.sp()
            q.modSeq = try p.nzNumber64()
            if p.skip(UInt8(ascii: " ")) {
                if p.peek() != UInt8(ascii: "(") {
                    q.knownUIDs = try p.sequenceSet()
                    if p.skip(UInt8(ascii: " ")) { try p.seqMatchData(&q) }
                } else {
                    try p.seqMatchData(&q)
                }
            }
            try p.expect(UInt8(ascii: ")"))
            return q
        }
    }

    private mutating func seqMatchData(_ q: inout IMAPQResyncParameters) throws {
        try expect(UInt8(ascii: "("))
        q.knownSequenceSet = try sequenceSet()
        try sp()
        q.knownUIDSet = try sequenceSet()
        try expect(UInt8(ascii: ")"))
    }

    /// create        = "CREATE" SP mailbox [create-params]                  (RFC 4466 §2.2)
    /// create-params = SP "(" create-param *(SP create-param) ")"
    /// create-param  =/ "USE" SP "(" [use-attr *(SP use-attr)] ")"          (RFC 6154 §6)
    mutating func create() throws -> IMAPCommand {
        try sp()
        let mailbox = try mailbox()
        var uses: [String] = []
        if skip(UInt8(ascii: " ")) {
            _ = try parenthesized(allowEmpty: false) { p -> Void in
                guard try p.keyword() == "USE" else { throw GrammarError("unknown CREATE parameter") }
                try p.sp()
                uses += try p.parenthesized(allowEmpty: true) { q -> String in
                    guard q.peek() == UInt8(ascii: "\\") else { throw GrammarError("expected special-use attribute") }
                    return try q.flag()
                }
            }
        }
        return .create(mailbox, specialUse: uses)
    }

    /// list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
    /// mbox-or-pat = list-mailbox / patterns ; patterns = "(" list-mailbox *(SP list-mailbox) ")"
    mutating func list() throws -> IMAPCommand {
        try sp()
        var command = IMAPListCommand(reference: "", patterns: [])
        if peek() == UInt8(ascii: "(") {
            command.selectOptions = try parenthesized(allowEmpty: true) { try $0.listSelectOption() }
            command.isExtended = true
            // list-select-mod-opt needs a list-select-base-opt (RFC 5258 §6)
            if command.selectOptions.contains(.recursiveMatch),
               !command.selectOptions.contains(where: { $0 == .subscribed || $0 == .specialUse }) {
                throw GrammarError("RECURSIVEMATCH needs another selection option")
            }
            try sp()
        }
        command.reference = try decodeMailbox(try astring())
        try sp()
        if peek() == UInt8(ascii: "(") {
            command.patterns = try parenthesized(allowEmpty: false) { try $0.listMailbox() }
            command.isExtended = true
        } else {
            command.patterns = [try listMailbox()]
        }
        if skip(UInt8(ascii: " ")) {
            // list-return-opts = "RETURN" SP "(" [list-return-opt *(SP list-return-opt)] ")"
            guard try keyword() == "RETURN" else { throw GrammarError("expected RETURN") }
            try sp()
            command.returnOptions = try parenthesized(allowEmpty: true) { try $0.listReturnOption() }
            command.isExtended = true
        }
        return .list(command)
    }

    /// list-select-opt = "SUBSCRIBED" / "REMOTE" / "RECURSIVEMATCH" / "SPECIAL-USE"
    mutating func listSelectOption() throws -> IMAPListSelectOption {
        switch try keyword() {
        case "SUBSCRIBED": return .subscribed
        case "REMOTE": return .remote
        case "RECURSIVEMATCH": return .recursiveMatch
        case "SPECIAL-USE": return .specialUse
        default: throw GrammarError("unknown LIST selection option")
        }
    }

    /// return-option = "SUBSCRIBED" / "CHILDREN" / status-option / "SPECIAL-USE"
    /// status-option = "STATUS" SP "(" status-att *(SP status-att) ")"       (RFC 5819 §5)
    mutating func listReturnOption() throws -> IMAPListReturnOption {
        switch try keyword() {
        case "SUBSCRIBED": return .subscribed
        case "CHILDREN": return .children
        case "SPECIAL-USE": return .specialUse
        case "STATUS":
            try sp()
            return .status(try parenthesized(allowEmpty: false) { try $0.statusAttribute() })
        default: throw GrammarError("unknown LIST return option")
        }
    }

    /// append         = "APPEND" SP mailbox 1*append-message               (RFC 3502 §6.3.11)
    mutating func append() throws -> IMAPCommand {
        try sp()
        let mailbox = try mailbox()
        var messages: [IMAPAppendMessage] = []
        while skip(UInt8(ascii: " ")) {
            messages.append(try appendMessage())
        }
        guard !messages.isEmpty else { throw GrammarError("expected message literal") }
        return .append(mailbox, messages)
    }

    /// replace = "REPLACE" SP seq-number SP mailbox append-message          (RFC 8508 §5)
    /// uid     =/ "UID" SP replace
    mutating func replace(uid: Bool) throws -> IMAPCommand {
        try sp()
        let number = try seqNumber()
        try sp()
        let mailbox = try mailbox()
        try sp()
        return .replace(number, mailbox, try appendMessage(), uid: uid)
    }

    /// append-message = append-opts SP append-data   (after the SP that precedes append-opts)
    /// append-opts    = [SP flag-list] [SP date-time]
    /// append-data    = literal / literal8                                  (RFC 3516 §4.3)
    /// append-data    =/ "CATENATE" SP "(" cat-part *(SP cat-part) ")"     (RFC 4469 §5)
    mutating func appendMessage() throws -> IMAPAppendMessage {
        var flags: [String] = []
        var date: IMAPDateTime?
        if peek() == UInt8(ascii: "(") {
            flags = try flagList()
            try sp()
        }
        if peek() == UInt8(ascii: "\"") {
            date = try dateTime()
            try sp()
        }
        if !atLiteral, peek().map({ asciiUpper($0) }) == UInt8(ascii: "C") {
            guard try keyword() == "CATENATE" else { throw GrammarError("expected message literal or CATENATE") }
            try sp()
            let parts = try parenthesized(allowEmpty: false) { try $0.catenatePart() }
            return IMAPAppendMessage(flags: flags, internalDate: date, data: ByteBuffer(), catenate: parts)
        }
        let literal = try literal()
        return IMAPAppendMessage(flags: flags, internalDate: date, data: literal.data, binary: literal.binary)
    }

    /// cat-part = text-literal / url ; text-literal = "TEXT" SP literal ; url = "URL" SP astring
    mutating func catenatePart() throws -> IMAPCatenatePart {
        switch try keyword() {
        case "TEXT":
            try sp()
            let literal = try literal()
            // RFC 4469 §5: a literal, not a literal8; NUL is refused as in any literal (RFC 9051 §4.3).
            guard !literal.binary else { throw GrammarError("literal8 not allowed in CATENATE TEXT") }
            guard !literal.data.readableBytesView.contains(0) else { throw GrammarError("NUL in literal") }
            return .text(literal.data)
        case "URL":
            try sp()
            return .url(try Self.utf8(try astring()))
        default:
            throw GrammarError("expected TEXT or URL")
        }
    }
}
