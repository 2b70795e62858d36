// The fields of a header section as raw byte ranges, for BODY[HEADER.FIELDS (...)] and SEARCH.
// Same line rules as MailMessage's header parser (RFC 5322 §2.2, §3.5), so the header FETCH
// returns ends exactly where BODY[TEXT] and the stored section offsets begin.

struct RawHeader {
    struct Field {
        /// Field name as written, without trailing whitespace.
        var name: [UInt8]
        /// The whole field: name, colon, value, folding and its final line ending.
        var range: Range<Int>
        /// Just past the colon.
        var valueStart: Int
    }

    var fields: [Field]
    /// Where the header section ends (just past its blank line), that is where the body starts.
    var end: Int

    /// fields = *(field-name ":" unstructured CRLF); a line that is neither a field nor a
    /// continuation ends the section without a blank line; an mbox "From " line first is skipped.
    init(_ b: [UInt8], in range: Range<Int>) {
        var fields: [Field] = []
        var i = range.lowerBound
        let stop = range.upperBound
        while i < stop {
            var lf = i
            while lf < stop, b[lf] != 0x0A { lf += 1 }
            let next = lf < stop ? lf + 1 : stop
            var contentEnd = lf
            if lf < stop, lf > i, b[lf - 1] == 0x0D { contentEnd = lf - 1 }
            if contentEnd == i {
                self.fields = fields
                self.end = next
                return
            }
            if b[i] == 0x20 || b[i] == 0x09 {
                if !fields.isEmpty { fields[fields.count - 1].range = fields[fields.count - 1].range.lowerBound..<next }
                i = next
                continue
            }
            if let colon = RawHeader.colon(b, from: i, to: contentEnd) {
                var nameEnd = colon
                while nameEnd > i, b[nameEnd - 1] == 0x20 || b[nameEnd - 1] == 0x09 { nameEnd -= 1 }
                fields.append(Field(name: Array(b[i..<nameEnd]), range: i..<next, valueStart: colon + 1))
                i = next
                continue
            }
            if i == range.lowerBound, b[i...].starts(with: Array("From ".utf8)) {
                i = next
                continue
            }
            self.fields = fields
            self.end = i
            return
        }
        self.fields = fields
        self.end = stop
    }

    /// field-name = 1*ftext; obs-optional allows WSP before the colon (RFC 5322 §3.6.8, §4.5.3).
    private static func colon(_ b: [UInt8], from: Int, to: Int) -> Int? {
        var i = from
        while i < to {
            let c = b[i]
            if c == 0x3A { return i > from ? i : nil }
            if c <= 0x20 || c >= 0x7F {
                guard c == 0x20 || c == 0x09 else { return nil }
                var j = i
                while j < to, b[j] == 0x20 || b[j] == 0x09 { j += 1 }
                return (j < to && b[j] == 0x3A && i > from) ? j : nil
            }
            i += 1
        }
        return nil
    }

    /// The unfolded value bytes of a field (line endings removed, outer whitespace trimmed).
    static func unfoldedValue(_ b: [UInt8], _ field: Field) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(field.range.upperBound - field.valueStart)
        for k in field.valueStart..<field.range.upperBound where b[k] != 0x0D && b[k] != 0x0A { out.append(b[k]) }
        var lo = 0, hi = out.count
        while lo < hi, out[lo] == 0x20 || out[lo] == 0x09 { lo += 1 }
        while hi > lo, out[hi - 1] == 0x20 || out[hi - 1] == 0x09 { hi -= 1 }
        return Array(out[lo..<hi])
    }

    /// ASCII case-insensitive field-name comparison (RFC 5322 §1.2.2).
    static func nameMatches(_ name: [UInt8], _ other: [UInt8]) -> Bool {
        guard name.count == other.count else { return false }
        for k in 0..<name.count where ASCIIFold.lower(name[k]) != ASCIIFold.lower(other[k]) { return false }
        return true
    }
}

enum ASCIIFold {
    @inline(__always) static func lower(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c }
}
