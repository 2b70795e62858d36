// Header fields as read (RFC 5322 §2.2): exact raw bytes kept, unfolding and decoding on demand.

/// One header field. `raw` is the exact original text including the name, the colon, any
/// folding and the final line ending, as DKIM (RFC 6376 §3.4) and IMAP need.
public struct HeaderField: Sendable, Equatable {
    /// The field name as written (no trailing whitespace).
    public let name: String
    /// The exact original bytes of the field: a slice of the message it was read from (no copy),
    /// so its indices are offsets in that message.
    public let raw: ArraySlice<UInt8>
    /// Where `raw` sits in the original message.
    public let range: ByteRange
    /// Offset of the first value byte (just past the colon) from the start of `raw`.
    let valueStart: Int

    init(name: String, raw: ArraySlice<UInt8>, range: ByteRange, valueStart: Int) {
        self.name = name
        self.raw = raw
        self.range = range
        self.valueStart = valueStart
    }

    /// Builds a field from a name and an already encoded (ASCII or UTF-8) value; for builders and tests.
    public init(name: String, value: String) {
        let raw = Array("\(name): \(value)\r\n".utf8)[...]
        self.init(name: name, raw: raw, range: ByteRange(offset: 0, length: raw.count), valueStart: name.utf8.count + 1)
    }

    /// Whether this field has `name`, compared case-insensitively (RFC 5322 §1.2.2).
    /// ASCII letters only: field names are printable US-ASCII (§3.6.8). No allocation, since
    /// SEARCH and DKIM ask it of every field of many messages.
    /// Names of another length are refused before any byte is compared (O(1) for native
    /// strings): most calls are `field(_:)` walking past fields of other names.
    public func hasName(_ other: String) -> Bool {
        guard name.utf8.count == other.utf8.count else { return false }
        var mine = name.utf8.makeIterator()
        for theirs in other.utf8 {
            guard let byte = mine.next(), ASCII.lower(byte) == ASCII.lower(theirs) else { return false }
        }
        return mine.next() == nil
    }

    /// The value bytes exactly as written: after the colon, folding kept, final line ending removed.
    public var rawValue: ArraySlice<UInt8> {
        let start = raw.startIndex + valueStart
        var end = raw.endIndex
        if end > start, raw[end - 1] == ASCII.lf { end -= 1 }
        if end > start, raw[end - 1] == ASCII.cr { end -= 1 }
        return raw[start..<end]
    }

    /// RFC 5322 §2.2.3 unfolding: every CRLF (or bare LF/CR) removed, leading and trailing WSP trimmed.
    public var unfoldedValue: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(max(0, raw.count - valueStart))
        for b in rawValue where b != ASCII.cr && b != ASCII.lf { out.append(b) }
        var lo = 0, hi = out.count
        while lo < hi, ASCII.isWSP(out[lo]) { lo += 1 }
        while hi > lo, ASCII.isWSP(out[hi - 1]) { hi -= 1 }
        return Array(out[lo..<hi])
    }

    /// The unfolded value as text without RFC 2047 decoding (UTF-8 per RFC 6532, else a best guess).
    public var value: String { ByteText.string(unfoldedValue) }

    /// The unfolded value with RFC 2047 encoded-words decoded, read as unstructured text.
    public var decodedValue: String { RFC2047.decodeUnstructured(unfoldedValue) }
}

/// The header section of a message or a MIME part: fields in order, duplicates kept.
public struct HeaderSection: Sendable, Equatable {
    public var fields: [HeaderField]
    /// The whole section in the original bytes, including the blank line that ends it.
    public var range: ByteRange

    public init(fields: [HeaderField], range: ByteRange) {
        self.fields = fields
        self.range = range
    }

    /// The first field called `name` (case-insensitive).
    public func field(_ name: String) -> HeaderField? { fields.first { $0.hasName(name) } }

    /// Every field called `name`, in order.
    public func fields(named name: String) -> [HeaderField] { fields.filter { $0.hasName(name) } }

    /// The first field's unfolded, RFC 2047-decoded value.
    public subscript(_ name: String) -> String? { field(name)?.decodedValue }
}
