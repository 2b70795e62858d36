// The octets of BODY[section]<partial>, BINARY[part]<partial> and BINARY.SIZE[part]
// (RFC 9051 §6.4.5, RFC 3516 §4) over the message bytes, using the stored section offsets.
import IMAPProtocol
import MailMessage

/// One message's bytes plus, on demand, where its parts are.
struct FetchSections {
    let bytes: [UInt8]
    /// Caps for splitting header sections (`limits.max_header_fields`).
    let limits: MessageLimits
    /// nil until a numbered part is asked for; the top-level header needs no summary.
    private var summaryLookup: () -> MessageSummary?
    private var cachedSummary: MessageSummary??

    init(bytes: [UInt8], limits: MessageLimits = .default, summary: @escaping () -> MessageSummary?) {
        self.bytes = bytes
        self.limits = limits
        self.summaryLookup = summary
    }

    private mutating func summary() -> MessageSummary? {
        if let cachedSummary { return cachedSummary }
        let s = summaryLookup()
        cachedSummary = .some(s)
        return s
    }

    /// The top-level header, split into fields (MailMessage's one header splitter).
    private lazy var topHeader = HeaderSection.parse(bytes, limits: limits)

    /// The part at a non-empty section path, if the message has it.
    private mutating func location(_ part: [Int]) -> SectionLocation? {
        guard let s = summary(), let loc = s.location(of: part), loc.body.end <= bytes.count, loc.header.end <= bytes.count else {
            return nil
        }
        return loc
    }

    /// section-spec = section-msgtext / (section-part ["." section-text])     (RFC 9051 §6.4.5)
    /// nil when the message has no such section (answered as NIL).
    mutating func data(_ section: IMAPSection) -> ArraySlice<UInt8>? {
        if section.part.isEmpty {
            // BODY[] is the octets as they are: no header parse (6,000 instructions a message).
            if section.text == nil { return bytes[...] }
            let header = topHeader
            switch section.text {
            case nil: return bytes[...]
            case .header: return bytes[0..<header.bodyStart]
            case .text: return bytes[header.bodyStart...]
            case .headerFields(let names): return fields(of: header.section, names: names, keep: true)
            case .headerFieldsNot(let names): return fields(of: header.section, names: names, keep: false)
            case .mime: return nil
            }
        }
        guard let loc = location(section.part) else { return nil }
        switch section.text {
        case nil: return bytes[loc.body.range]
        case .mime: return bytes[loc.header.range]
        case .header, .headerFields, .headerFieldsNot, .text:
            // only a message/rfc822 part has a HEADER and a TEXT of its own (RFC 9051 §6.4.5)
            guard let header = loc.messageHeader, let text = loc.messageText else { return nil }
            switch section.text {
            case .header: return bytes[header.range]
            case .text: return bytes[text.range]
            case .headerFields(let names): return fields(of: HeaderSection.parse(bytes, in: header.range, limits: limits).section, names: names, keep: true)
            case .headerFieldsNot(let names): return fields(of: HeaderSection.parse(bytes, in: header.range, limits: limits).section, names: names, keep: false)
            default: return nil
            }
        }
    }

    /// HEADER.FIELDS / HEADER.FIELDS.NOT: the chosen fields exactly as written, in message
    /// order, then the blank line that ends a header (RFC 9051 §6.4.5).
    private func fields(of header: HeaderSection, names: [String], keep: Bool) -> ArraySlice<UInt8> {
        var out: [UInt8] = []
        for field in header.fields where names.contains(where: { field.hasName($0) }) == keep {
            out += field.raw
            if field.raw.last != 0x0A { out += [0x0D, 0x0A] }
        }
        out += [0x0D, 0x0A]
        return out[...]
    }

    enum Binary {
        case missing
        case unknownEncoding
        case data([UInt8])
    }

    /// BINARY[part]: the part's body with its Content-Transfer-Encoding removed (RFC 3516 §4.2);
    /// BINARY[] is the whole message as stored.
    mutating func binary(_ part: [Int]) -> Binary {
        if part.isEmpty { return .data(bytes) }
        guard let loc = location(part) else { return .missing }
        let mimeHeader = HeaderSection.parse(bytes, in: loc.header.range, limits: limits).section
        var encoding = TransferEncoding.sevenBit
        if let field = mimeHeader.field("Content-Transfer-Encoding") {
            encoding = TransferEncoding(headerValue: field.value)
        }
        if encoding == .unknown { return .unknownEncoding }
        return .data(encoding.decode(bytes[loc.body.range]))
    }

    /// partial = "<" number64 "." nz-number64 ">": `length` octets from `offset`, fewer at the
    /// end, none past it (RFC 9051 §6.4.5).
    static func apply(_ partial: IMAPPartial?, to data: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let partial else { return data }
        let count = UInt64(data.count)
        let start = min(partial.offset, count)
        let end = start + min(partial.length, count - start)
        return data[(data.startIndex + Int(start))..<(data.startIndex + Int(end))]
    }
}
