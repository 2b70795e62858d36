/// RFC 5464 §5 (METADATA): GETMETADATA and SETMETADATA.
extension GrammarParser {
    /// getmetadata = "GETMETADATA" [SP getmetadata-options] SP mailbox SP entries
    /// getmetadata-options = "(" getmetadata-option *(SP getmetadata-option) ")"
    /// maxsize-opt = "MAXSIZE" SP number ; scope-opt = "DEPTH" SP ("0" / "1" / "infinity")
    /// entries = entry / "(" entry *(SP entry) ")"
    ///
    /// Also the options after the mailbox (§4.2.1's and §4.2.2's examples write them there; an
    /// entry starts with "/", an option with a letter, so the two never meet), and
    /// `entry *(SP entry)` without parentheses, as §4.4.1's examples write it.
    mutating func getMetadata() throws -> IMAPCommand {
        try sp()
        var options = try getMetadataOptions()
        let mailbox = try mailbox()
        try sp()
        if options == nil, let found = try getMetadataOptions() { options = found }
        var entries: [String]
        if peek() == UInt8(ascii: "(") {
            entries = try parenthesized(allowEmpty: false) { try $0.metadataEntry() }
        } else {
            entries = [try metadataEntry()]
            while skip(UInt8(ascii: " ")) {
                guard entries.count < limits.maxListElements else { throw GrammarError("too many entries", kind: .limitExceeded) }
                entries.append(try metadataEntry())
            }
        }
        return .getMetadata(mailbox, options ?? IMAPGetMetadataOptions(), entries)
    }

    /// getmetadata-options SP, when the next octets are "(" and a letter; nil otherwise.
    private mutating func getMetadataOptions() throws -> IMAPGetMetadataOptions? {
        guard peek() == UInt8(ascii: "("), position + 1 < text.count,
              (text[position + 1] | 0x20) >= UInt8(ascii: "a"), (text[position + 1] | 0x20) <= UInt8(ascii: "z") else { return nil }
        var options = IMAPGetMetadataOptions()
        var seen = Set<String>()
        _ = try parenthesized(allowEmpty: false) { p in
            let name = try p.keyword()
            guard seen.insert(name).inserted else { throw GrammarError("GETMETADATA option given twice") }
            try p.sp()
            switch name {
            case "MAXSIZE": options.maxSize = try p.number()
            case "DEPTH":
                switch try p.keyword() {
                case "0": options.depth = .zero
                case "1": options.depth = .one
                case "INFINITY": options.depth = .infinity
                default: throw GrammarError("DEPTH is 0, 1 or infinity")
                }
            default: throw GrammarError("unknown GETMETADATA option")
            }
        }
        try sp()
        return options
    }

    /// setmetadata = "SETMETADATA" SP mailbox SP entry-values
    /// entry-values = "(" entry-value *(SP entry-value) ")" ; entry-value = entry SP value
    /// value = nstring / literal8
    mutating func setMetadata() throws -> IMAPCommand {
        try sp()
        let mailbox = try mailbox()
        try sp()
        let values = try parenthesized(allowEmpty: false) { p -> IMAPMetadataValue in
            let entry = try p.metadataEntry()
            try p.sp()
            return IMAPMetadataValue(entry: entry, value: try p.metadataValue())
        }
        return .setMetadata(mailbox, values)
    }

    /// entry = astring ; slash-separated path to entry, MUST NOT contain "*" or "%" (§3.2: BAD
    /// for an invalid name).
    mutating func metadataEntry() throws -> String {
        guard let name = IMAPMetadataEntry.validated(try astring()) else { throw GrammarError("invalid metadata entry name") }
        return name
    }

    /// value = nstring / literal8: a literal8 may carry NUL (RFC 3516 §4.3), a literal not.
    mutating func metadataValue() throws -> [UInt8]? {
        guard atLiteral else { return try nstring() }
        let literal = try literal()
        let bytes = Array(literal.data.readableBytesView)
        guard literal.binary || !bytes.contains(0) else { throw GrammarError("NUL in literal; use ~{n}") }
        return bytes
    }
}
