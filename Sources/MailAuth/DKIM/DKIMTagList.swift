// The tag=value list shared by DKIM-Signature fields and key records (RFC 6376 §3.2), and
// reused by ARC (RFC 8617 §4.1) and DMARC-style records.

/// A parsed tag-list: tags in the order written, names case-sensitive (§3.2: "Tags MUST be
/// interpreted in a case-sensitive manner").
public struct DKIMTagList: Sendable, Hashable {
    public struct Tag: Sendable, Hashable {
        public var name: String
        /// The value with leading and trailing FWS removed; inner FWS is kept as written.
        public var value: String
    }

    public var tags: [Tag]

    public subscript(name: String) -> String? {
        tags.first { $0.name == name }?.value
    }

    public var names: [String] { tags.map(\.name) }

    /// tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
    /// tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
    /// tag-name  =  ALPHA *ALNUMPUNC
    /// tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
    /// tval      =  1*VALCHAR ; VALCHAR = %x21-3A / %x3C-7E
    ///
    /// §3.2: a tag that occurs twice makes the whole list invalid. Bytes above 0x7F are accepted
    /// in values (RFC 8616 §4 allows UTF-8 in DKIM tag values).
    public init(parsing text: some Collection<UInt8>) throws(DKIMTagListError) {
        var tags: [Tag] = []
        var seen = Set<String>()
        let bytes = Array(text)
        var specs = bytes.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
        // The optional trailing ";" leaves one last spec that is nothing but FWS.
        if specs.count > 1, let last = specs.last, last.allSatisfy(Self.isFWS) { specs.removeLast() }
        for spec in specs {
            guard let equals = spec.firstIndex(of: UInt8(ascii: "=")) else {
                throw .malformedTag(String(decoding: Self.trimFWS(spec[...]), as: UTF8.self))
            }
            let nameBytes = Self.trimFWS(spec[spec.startIndex..<equals])
            guard let first = nameBytes.first, Self.isAlpha(first),
                  nameBytes.allSatisfy({ Self.isAlpha($0) || Self.isDigit($0) || $0 == UInt8(ascii: "_") })
            else { throw .malformedTag(String(decoding: nameBytes, as: UTF8.self)) }
            let name = String(decoding: nameBytes, as: UTF8.self)
            let valueBytes = Self.trimFWS(spec[spec.index(after: equals)...])
            for byte in valueBytes where !(Self.isFWS(byte) || (byte >= 0x21 && byte != UInt8(ascii: ";") && byte != 0x7F)) {
                throw .invalidValue(tag: name)
            }
            // FWS inside a value must be WSP optionally preceded by CRLF: no bare CR or LF.
            guard Self.foldingIsWellFormed(valueBytes) else { throw .invalidValue(tag: name) }
            guard seen.insert(name).inserted else { throw .duplicateTag(name) }
            tags.append(Tag(name: name, value: String(decoding: valueBytes, as: UTF8.self)))
        }
        self.tags = tags
    }

    public init(parsing text: String) throws(DKIMTagListError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// The value with all FWS removed, as base64 tags (b=, bh=, p=) are read (§3.5: "Whitespace is ignored").
    public static func removingWhitespace(_ value: String) -> String {
        // FWS is ASCII, never part of a longer UTF-8 sequence: filtering bytes keeps every other character.
        var kept: [UInt8] = []
        kept.reserveCapacity(value.utf8.count)
        for byte in value.utf8 where !isFWS(byte) { kept.append(byte) }
        return String(decoding: kept, as: UTF8.self)
    }

    static func isFWS(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    static func isAlpha(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func trimFWS(_ slice: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = slice
        while let first = slice.first, isFWS(first) { slice.removeFirst() }
        while let last = slice.last, isFWS(last) { slice.removeLast() }
        return slice
    }

    private static func foldingIsWellFormed(_ value: ArraySlice<UInt8>) -> Bool {
        var index = value.startIndex
        while index < value.endIndex {
            let byte = value[index]
            if byte == 0x0D {
                let next = value.index(after: index)
                guard next < value.endIndex, value[next] == 0x0A else { return false }
                let afterLF = value.index(after: next)
                guard afterLF < value.endIndex, value[afterLF] == 0x20 || value[afterLF] == 0x09 else { return false }
                index = afterLF
                continue
            }
            if byte == 0x0A { return false }
            index = value.index(after: index)
        }
        return true
    }
}

public enum DKIMTagListError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformedTag(String)
    case invalidValue(tag: String)
    case duplicateTag(String)

    public var description: String {
        switch self {
        case .malformedTag(let text): "malformed tag \"\(text.prefix(40))\" (RFC 6376 §3.2)"
        case .invalidValue(let tag): "invalid characters in the value of \(tag)= (RFC 6376 §3.2)"
        case .duplicateTag(let tag): "tag \(tag)= appears more than once (RFC 6376 §3.2)"
        }
    }
}
