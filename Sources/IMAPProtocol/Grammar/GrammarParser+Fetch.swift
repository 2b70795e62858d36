extension GrammarParser {
    /// fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
    ///         "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]
    /// (the sequence set is already read)
    mutating func fetchArguments() throws -> ([IMAPFetchAttribute], IMAPFetchModifiers) {
        try sp()
        let attributes: [IMAPFetchAttribute]
        if peek() == UInt8(ascii: "(") {
            attributes = try parenthesized(allowEmpty: false) { try $0.fetchAttribute() }
        } else {
            switch try keyword() {
            case "ALL": attributes = IMAPFetchAttribute.all
            case "FAST": attributes = IMAPFetchAttribute.fast
            case "FULL": attributes = IMAPFetchAttribute.full
            case let name: attributes = [try fetchAttribute(named: name)]
            }
        }
        var modifiers = IMAPFetchModifiers()
        if skip(UInt8(ascii: " ")) {
            // fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"   (RFC 4466 §2.4)
            _ = try parenthesized(allowEmpty: false) { p -> Void in
                switch try p.keyword() {
                case "CHANGEDSINCE":
                    // chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value   (RFC 7162 §7)
                    try p.sp()
                    modifiers.changedSince = try p.nzNumber64()
                case "VANISHED":
                    // rexpunges-fetch-mod = "VANISHED"                          (RFC 7162 §7)
                    modifiers.vanished = true
                default:
                    throw GrammarError("unknown FETCH modifier")
                }
            }
        }
        return (attributes, modifiers)
    }

    /// fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "RFC822.SIZE" / "BODY" ["STRUCTURE"] /
    ///             "UID" / "BODY" section [partial] / "BODY.PEEK" section [partial] /
    ///             "BINARY" [".PEEK"] section-binary [partial] / "BINARY.SIZE" section-binary
    /// fetch-att =/ "MODSEQ" (RFC 7162) / "RFC822" / "RFC822.HEADER" / "RFC822.TEXT" (RFC 3501)
    mutating func fetchAttribute() throws -> IMAPFetchAttribute {
        try fetchAttribute(named: try keyword())
    }

    mutating func fetchAttribute(named name: String) throws -> IMAPFetchAttribute {
        switch name {
        case "ENVELOPE": return .envelope
        case "FLAGS": return .flags
        case "INTERNALDATE": return .internalDate
        case "RFC822.SIZE": return .rfc822Size
        case "RFC822": return .rfc822
        case "RFC822.HEADER": return .rfc822Header
        case "RFC822.TEXT": return .rfc822Text
        case "BODYSTRUCTURE": return .bodyStructure
        case "UID": return .uid
        case "MODSEQ": return .modSeq
        case "BODY", "BODY.PEEK":
            guard peek() == UInt8(ascii: "[") else {
                if name == "BODY" { return .body }
                throw GrammarError("expected section")
            }
            let section = try section()
            return .bodySection(section, partial: try partial(), peek: name == "BODY.PEEK")
        case "BINARY", "BINARY.PEEK":
            let part = try sectionBinary()
            return .binary(part: part, partial: try partial(), peek: name == "BINARY.PEEK")
        case "BINARY.SIZE":
            return .binarySize(part: try sectionBinary())
        case "EMAILID": return .emailID      // RFC 8474 §7
        case "THREADID": return .threadID
        case "SAVEDATE": return .saveDate    // RFC 8514 §5
        case "PREVIEW":
            // fetch-att =/ "PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"]
            // preview-mod = "LAZY"                                            (RFC 8970 §7)
            // `FETCH 1 PREVIEW (CHANGEDSINCE 5)` is a fetch modifier, not a preview-mod: the
            // list is PREVIEW's only when it parses as preview-mods.
            var probe = self
            guard probe.skip(UInt8(ascii: " ")), peek() != nil,
                  let modifiers = try? probe.parenthesized(allowEmpty: false, { p -> String in
                      let modifier = try p.keyword()
                      guard modifier == "LAZY" else { throw GrammarError("unknown PREVIEW modifier") }
                      return modifier
                  }) else { return .preview(lazy: false) }
            self = probe
            return .preview(lazy: modifiers.contains("LAZY"))
        default:
            throw GrammarError("unknown fetch attribute")
        }
    }

    /// section         = "[" [section-spec] "]"
    /// section-spec    = section-msgtext / (section-part ["." section-text])
    /// section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
    /// section-text    = section-msgtext / "MIME"
    mutating func section() throws -> IMAPSection {
        try expect(UInt8(ascii: "["))
        var section = IMAPSection()
        if skip(UInt8(ascii: "]")) { return section }
        var wantsText = true
        if let b = peek(), b >= UInt8(ascii: "1"), b <= UInt8(ascii: "9") {
            section.part = try sectionPart()
            wantsText = skip(UInt8(ascii: "."))
        }
        if wantsText {
            switch try keyword() {
            case "HEADER": section.text = .header
            case "TEXT": section.text = .text
            case "MIME":
                guard !section.part.isEmpty else { throw GrammarError("MIME needs a part number") }
                section.text = .mime
            case "HEADER.FIELDS":
                try sp()
                section.text = .headerFields(try headerList())
            case "HEADER.FIELDS.NOT":
                try sp()
                section.text = .headerFieldsNot(try headerList())
            default:
                throw GrammarError("invalid section")
            }
        }
        try expect(UInt8(ascii: "]"))
        return section
    }

    /// section-part = nz-number *("." nz-number)   — stops before "." + section-text
    mutating func sectionPart() throws -> [Int] {
        var parts = [Int(try nzNumber())]
        while peek() == UInt8(ascii: "."), position + 1 < text.count,
              text[position + 1] >= UInt8(ascii: "1"), text[position + 1] <= UInt8(ascii: "9") {
            position += 1
            guard parts.count < limits.maxNestingDepth else { throw GrammarError("section too deep", kind: .limitExceeded) }
            parts.append(Int(try nzNumber()))
        }
        return parts
    }

    /// section-binary = "[" [section-part] "]"
    mutating func sectionBinary() throws -> [Int] {
        try expect(UInt8(ascii: "["), "section")
        if skip(UInt8(ascii: "]")) { return [] }
        let part = try sectionPart()
        try expect(UInt8(ascii: "]"))
        return part
    }

    /// header-list = "(" header-fld-name *(SP header-fld-name) ")" ; header-fld-name = astring
    mutating func headerList() throws -> [String] {
        try parenthesized(allowEmpty: false) { try $0.utf8Astring() }
    }

    /// partial = "<" number64 "." nz-number64 ">"
    mutating func partial() throws -> IMAPPartial? {
        guard skip(UInt8(ascii: "<")) else { return nil }
        let offset = try number64()
        try expect(UInt8(ascii: "."))
        let length = try nzNumber64()
        try expect(UInt8(ascii: ">"))
        return IMAPPartial(offset: offset, length: length)
    }

    /// store           = "STORE" SP sequence-set [store-modifiers] SP store-att-flags
    /// store-modifiers = SP "(" store-modifier *(SP store-modifier) ")"       (RFC 4466 §2.5)
    /// store-modifier  =/ "UNCHANGEDSINCE" SP mod-sequence-valzer             (RFC 7162 §7)
    /// store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
    mutating func storeArguments() throws -> (IMAPStoreFlags, UInt64?) {
        try sp()
        var unchangedSince: UInt64?
        if peek() == UInt8(ascii: "(") {
            _ = try parenthesized(allowEmpty: false) { p -> Void in
                guard try p.keyword() == "UNCHANGEDSINCE" else { throw GrammarError("unknown STORE modifier") }
                try p.sp()
                unchangedSince = try p.number64()
            }
            try sp()
        }
        var operation = IMAPStoreFlags.Operation.replace
        if skip(UInt8(ascii: "+")) { operation = .add } else if skip(UInt8(ascii: "-")) { operation = .remove }
        let silent: Bool
        switch try keyword() {
        case "FLAGS": silent = false
        case "FLAGS.SILENT": silent = true
        default: throw GrammarError("expected FLAGS")
        }
        try sp()
        var flags: [String]
        if peek() == UInt8(ascii: "(") {
            flags = try flagList()
        } else {
            flags = [try flag()]
            while skip(UInt8(ascii: " ")) {
                guard flags.count < limits.maxListElements else { throw GrammarError("too many flags", kind: .limitExceeded) }
                flags.append(try flag())
            }
        }
        return (IMAPStoreFlags(operation: operation, silent: silent, flags: flags), unchangedSince)
    }
}
