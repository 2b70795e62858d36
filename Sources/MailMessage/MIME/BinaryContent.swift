// Messages with NUL octets in their parts (RFC 3516 BINARY APPEND, `literal8`) made expressible
// in IMAP BODY[...] responses.

/// RFC 9051 §4.3 (and RFC 3501 `CHAR8`): no string but a BINARY response's `literal8` may carry
/// NUL, so a part appended with NUL in its body ("binary" content, RFC 3516 §4.4) could never be
/// sent for BODY[n] or RFC822. RFC 3516 §4.4 lets the server change the CTE of appended data as
/// long as nothing is lost: each such part is re-encoded in base64. BODY[n] then gives the part
/// in that textual form, BINARY[n] gives the original octets back, and BODYSTRUCTURE says BASE64.
public enum BinaryContent {
    /// The message with every leaf part whose body holds NUL (and whose encoding is an identity:
    /// 7bit, 8bit, binary) re-encoded as base64, its Content-Transfer-Encoding field replaced or
    /// added; parts inside message/rfc822 parts too. nil when no part needs it.
    public static func textualized(_ bytes: [UInt8], limits: MessageLimits = .default) -> [UInt8]? {
        guard bytes.contains(0) else { return nil }
        let message = MIMEMessage(parsing: bytes, limits: limits)
        var edits: [(range: Range<Int>, replacement: [UInt8])] = []
        for part in message.root.allParts where part.isLeaf && identity(part.transferEncoding) {
            let body = bytes[part.bodyRange.range]
            guard body.contains(0) else { continue }
            edits.append((part.bodyRange.range, Base64.encode(body, lineLength: 76)))
            let field = Array("Content-Transfer-Encoding: base64\r\n".utf8)
            let existing = part.header.fields.filter { $0.hasName("Content-Transfer-Encoding") }
            if let first = existing.first {
                edits.append((first.range.range, field))
                for other in existing.dropFirst() { edits.append((other.range.range, [])) }
            } else {
                // Before the blank line that ends the part's header.
                let at = part.header.fields.last?.range.end ?? part.header.range.offset
                edits.append((at..<at, part.header.range.length == 0 ? field + [0x0D, 0x0A] : field))
            }
        }
        guard !edits.isEmpty else { return nil }
        var out = bytes
        // Back to front, so earlier offsets stay valid; a part's header edit precedes its body's.
        for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            out.replaceSubrange(edit.range, with: edit.replacement)
        }
        return out
    }

    private static func identity(_ encoding: TransferEncoding) -> Bool {
        switch encoding {
        case .sevenBit, .eightBit, .binary: true
        case .base64, .quotedPrintable, .unknown: false
        }
    }
}
