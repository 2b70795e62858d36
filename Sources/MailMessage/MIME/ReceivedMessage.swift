// A message as it arrives at the end of DATA/BDAT: parsed once, then edited by the reception
// stages without being parsed again.

/// A received message: the bytes as the client sent them, parsed once into a `MIMEMessage`,
/// plus the edits the reception stages make to the top-level header section — our own fields
/// put on top (trace fields RFC 5321 §4.4, Authentication-Results RFC 8601, DKIM-Signature) and
/// received fields taken out (forged Authentication-Results RFC 8601 §5, Bcc on submission
/// RFC 6409 §8.1). The body is never touched, so `summary` is the one parse's summary with its
/// offsets moved by what the header gained or lost.
public struct ReceivedMessage: Sendable {
    /// The message as received, and its one parse.
    public let parsed: MIMEMessage
    /// Our own fields, topmost first (already CRLF-terminated and folded by whoever added them).
    public private(set) var prepended: [HeaderField] = []
    /// Indices into `parsed.header.fields` of received fields that are not kept.
    public private(set) var removed: Set<Int> = []

    public init(bytes: [UInt8], limits: MessageLimits = .default) {
        self.parsed = MIMEMessage(parsing: bytes, limits: limits)
    }

    /// The received bytes, before any edit.
    public var original: [UInt8] { parsed.bytes }

    /// The received top-level fields still kept, in their order.
    public var receivedFields: [HeaderField] {
        parsed.header.fields.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    /// The top-level header as it will be stored: ours on top, then the kept received fields.
    /// (Prepended fields' ranges count from the start of `bytes`; received ones from `original`.)
    public var header: HeaderSection {
        HeaderSection(fields: prepended + receivedFields, range: ByteRange(offset: 0, length: headerLength))
    }

    /// Puts `fields` (one or more complete fields, each ending in CRLF) on top of the header,
    /// above everything prepended before, as an MTA adds trace fields. Our own text, so it is
    /// split here rather than parsed as a message.
    public mutating func prepend(_ fields: String) {
        let bytes = Array(fields.utf8)
        guard !bytes.isEmpty else { return }
        let split = HeaderParser.parse(bytes, from: 0, to: bytes.count, limits: .default, section: "")
        prepended = split.section.fields + prepended
        reindexPrepended()
    }

    /// Takes out every received top-level field for which `predicate` is true (our own
    /// prepended fields are never removed); returns how many went.
    @discardableResult
    public mutating func removeReceivedFields(where predicate: (HeaderField) -> Bool) -> Int {
        var count = 0
        for (index, field) in parsed.header.fields.enumerated() where !removed.contains(index) && predicate(field) {
            removed.insert(index)
            count += 1
        }
        return count
    }

    /// How much longer the stored header is than the received one (negative when it shrank).
    public var headerDelta: Int {
        prepended.reduce(0) { $0 + $1.raw.count }
            - removed.reduce(0) { $0 + parsed.header.fields[$1].raw.count }
    }

    /// Length of the stored top-level header section, its blank line included.
    public var headerLength: Int { parsed.header.range.length + headerDelta }

    /// Where the body starts in the received bytes.
    public var bodyStart: Int { parsed.header.range.end }

    /// The message as it will be stored: our fields, the kept received fields, then the body
    /// exactly as received.
    public var bytes: [UInt8] {
        let original = parsed.bytes
        guard !prepended.isEmpty || !removed.isEmpty else { return original }
        var out: [UInt8] = []
        out.reserveCapacity(original.count + headerDelta)
        for field in prepended { out += field.raw }
        var cursor = 0
        for index in removed.sorted() {
            let range = parsed.header.fields[index].range
            out += original[cursor..<range.offset]
            cursor = range.end
        }
        out += original[cursor...]
        return out
    }

    /// The IMAP summary of `bytes` (ENVELOPE, BODYSTRUCTURE, section offsets) from the one
    /// parse: header-derived values are read from the edited header, offsets in the body moved.
    public var summary: MessageSummary {
        var summary = MessageSummary(parsed)
        guard !prepended.isEmpty || !removed.isEmpty else { return summary }
        // The header-derived values come from a few named fields; an edit that adds and removes
        // none of them (our trace fields, Authentication-Results) leaves them as parsed, and
        // reading them again (the Date parse, every address list) cost 171 K instructions per
        // received message (issue 24).
        let touchesValues = prepended.contains(where: MessageSummary.isHeaderValueField)
            || removed.contains { MessageSummary.isHeaderValueField(parsed.header.fields[$0]) }
        summary.applyTopHeaderEdit(header: touchesValues ? header : nil, originalHeaderEnd: parsed.header.range.end,
                                   delta: headerDelta)
        return summary
    }

    /// Gives prepended fields ranges that count from the start of the stored bytes.
    private mutating func reindexPrepended() {
        var offset = 0
        prepended = prepended.map { field in
            defer { offset += field.raw.count }
            return HeaderField(name: field.name, raw: Array(field.raw)[...], range: ByteRange(offset: offset, length: field.raw.count),
                               valueStart: field.valueStart)
        }
    }
}

extension MessageSummary {
    /// The fields `envelope`, `date`, `subject`, `messageID`, `inReplyTo` and `references` are
    /// read from (`init(_:)`, `Envelope(header:)`, TypedHeaders.swift). Keep in step with them:
    /// `ReceivedMessageTests.summaryAfterPrependingEachField` prepends each and others.
    static let headerValueFieldNames = ["Date", "Subject", "From", "Sender", "Reply-To", "To", "Cc", "Bcc",
                                        "Message-ID", "In-Reply-To", "References"]

    static func isHeaderValueField(_ field: HeaderField) -> Bool {
        headerValueFieldNames.contains(where: field.hasName)
    }

    /// The summary after the top-level header section changed length by `delta` (fields added
    /// on top or taken out); `header` is the new section, from which ENVELOPE and the decoded
    /// header values are read again (no bytes are parsed), nil when the edit added or removed no
    /// field they are read from (`isHeaderValueField`).
    mutating func applyTopHeaderEdit(header: HeaderSection?, originalHeaderEnd: Int, delta: Int) {
        size += delta
        if let header {
            envelope = Envelope(header: header)
            date = header.date?.date
            subject = header.subject
            messageID = header.messageID
            inReplyTo = header.inReplyTo
            references = header.references
        }
        // Header slots that start at 0 are the top-level header (RFC 9051 §6.4.5 [] and, for a
        // single-part message, [1]); everything else lies after it and only moves.
        func movedHeader(_ range: ByteRange) -> ByteRange {
            range.offset == 0 ? ByteRange(offset: 0, length: range.length + delta) : moved(range)
        }
        func moved(_ range: ByteRange) -> ByteRange {
            range.offset >= originalHeaderEnd ? ByteRange(offset: range.offset + delta, length: range.length) : range
        }
        sections = sections.map { location in
            var location = location
            location.header = movedHeader(location.header)
            location.body = moved(location.body)
            location.messageHeader = location.messageHeader.map(movedHeader)
            location.messageText = location.messageText.map(moved)
            return location
        }
    }
}
