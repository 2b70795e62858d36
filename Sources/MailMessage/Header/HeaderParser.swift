// Splitting a header section into fields (RFC 5322 §2.2, §3.5), tolerant of real-world damage.

enum HeaderParser {
    struct Result {
        var section: HeaderSection
        /// Where the body starts (just past the blank line, or at the first non-header line).
        var bodyStart: Int
        var problems: [MessageProblem]
    }

    /// fields      = *(field-name ":" unstructured CRLF)      ; RFC 5322 §3.6, §2.2
    /// field-name  = 1*ftext ; ftext = %d33-57 / %d59-126     ; RFC 5322 §3.6.8
    /// obs-optional allows WSP between the name and the colon (§4.5.3).
    /// Reads fields from `bytes[start..<end]` up to the first empty line. A line that is neither a
    /// field nor a continuation ends the header section (as Python's email package does).
    static func parse(_ bytes: [UInt8], from start: Int, to end: Int, limits: MessageLimits, section: String) -> Result {
        var fields: [HeaderField] = []
        var problems: [MessageProblem] = []
        var fieldStart: Int? = nil
        var fieldName = ""
        var valueStart = 0
        var sawBareLF = false, sawLongLine = false, tooMany = false
        var i = start

        func closeField(at stop: Int) {
            guard let fs = fieldStart else { return }
            fieldStart = nil
            if fields.count >= limits.maxHeaderFields {
                if !tooMany { problems.append(MessageProblem(.tooManyHeaderFields, section: section)); tooMany = true }
                return
            }
            fields.append(HeaderField(name: fieldName, raw: bytes[fs..<stop],
                                      range: ByteRange(fs..<stop), valueStart: valueStart - fs))
        }

        func finish() {
            if sawBareLF { problems.append(MessageProblem(.bareLineEnding, section: section, detail: "LF without CR in header")) }
            if sawLongLine { problems.append(MessageProblem(.lineTooLong, section: section, detail: "header line over 998 octets")) }
        }

        while i < end {
            let lf = ByteSearch.index(of: ASCII.lf, in: bytes, from: i, to: end)
            let next = lf.map { $0 + 1 } ?? end
            var contentEnd = lf ?? end
            if let lf, lf > i, bytes[lf - 1] == ASCII.cr { contentEnd = lf - 1 } else if lf != nil { sawBareLF = true }
            if contentEnd - i > limits.maxLineLength { sawLongLine = true }

            if contentEnd == i {
                // the empty line that separates header and body
                closeField(at: i)
                finish()
                return Result(section: HeaderSection(fields: fields, range: ByteRange(start..<next)), bodyStart: next, problems: problems)
            }
            if ASCII.isWSP(bytes[i]) {
                if fieldStart == nil {
                    problems.append(MessageProblem(.invalidHeaderLine, section: section, detail: "continuation line without a field"))
                }
                i = next
                continue
            }
            if let colon = fieldNameEnd(bytes, from: i, to: contentEnd) {
                closeField(at: i)
                var nameEnd = colon
                while nameEnd > i, ASCII.isWSP(bytes[nameEnd - 1]) { nameEnd -= 1 }
                fieldName = String(decoding: bytes[i..<nameEnd], as: UTF8.self)
                fieldStart = i
                valueStart = colon + 1
                i = next
                continue
            }
            if i == start, bytes[i...].starts(with: Array("From ".utf8)) {
                // an mbox "From " separator line before the header; skipped
                problems.append(MessageProblem(.invalidHeaderLine, section: section, detail: "mbox From_ line"))
                i = next
                continue
            }
            // Not a header line: the body starts here without the blank line.
            closeField(at: i)
            problems.append(MessageProblem(.missingHeaderBodySeparator, section: section))
            finish()
            return Result(section: HeaderSection(fields: fields, range: ByteRange(start..<i)), bodyStart: i, problems: problems)
        }
        closeField(at: end)
        finish()
        return Result(section: HeaderSection(fields: fields, range: ByteRange(start..<end)), bodyStart: end, problems: problems)

    }

    /// Index of the colon ending a field name on this line, or nil when the line is not a field.
    private static func fieldNameEnd(_ b: [UInt8], from: Int, to: Int) -> Int? {
        var i = from
        while i < to {
            let c = b[i]
            if c == ASCII.colon { return i > from ? i : nil }
            if c <= 0x20 || c >= 0x7F {
                // obs: WSP between name and colon
                guard ASCII.isWSP(c) else { return nil }
                var j = i
                while j < to, ASCII.isWSP(b[j]) { j += 1 }
                return (j < to && b[j] == ASCII.colon && i > from) ? j : nil
            }
            i += 1
        }
        return nil
    }
}
