// Everything IMAP FETCH, SEARCH and SORT need about a message, computed once at delivery and
// stored as JSON, so that the message need not be parsed again.
import Foundation

/// Where one IMAP section lives in the message bytes (RFC 9051 §6.4.5 section-spec).
public struct SectionLocation: Sendable, Equatable, Codable {
    /// The section path; [] is the whole message.
    public var section: [Int]
    /// "<section>.MIME": the part's MIME header (for [] the message header), with its blank line.
    public var header: ByteRange
    /// "<section>": the part's body ([] → BODY[TEXT]; the whole message is 0..<size).
    public var body: ByteRange
    /// For [] and message/rfc822 parts: "<section>.HEADER" and "<section>.TEXT" of the
    /// (encapsulated) message.
    public var messageHeader: ByteRange?
    public var messageText: ByteRange?
}

/// A parsed message reduced to what the mail store keeps: ENVELOPE, BODYSTRUCTURE, section
/// offsets, and the decoded fields SEARCH/SORT/THREAD use.
public struct MessageSummary: Sendable, Equatable, Codable {
    /// Size of the message in octets (RFC822.SIZE).
    public var size: Int
    public var envelope: Envelope
    public var bodyStructure: BodyStructure
    /// Every addressable section, depth first, [] first.
    public var sections: [SectionLocation]
    /// Date header, parsed; nil when absent or unreadable (SEARCH SENTBEFORE, SORT DATE).
    public var date: Date?
    /// Subject, RFC 2047 decoded.
    public var subject: String?
    public var messageID: String?
    public var inReplyTo: [String]
    public var references: [String]
    /// Whether some leaf part is an attachment (for the $HasAttachment keyword, RFC 8457).
    public var hasAttachments: Bool
    /// What the parser had to work around.
    public var problems: [MessageProblem]

    /// Parses `bytes` (best effort, never throws). Offsets refer to exactly these bytes, so the
    /// store should summarise the bytes it keeps (CRLF line endings for IMAP).
    public init(parsing bytes: [UInt8], limits: MessageLimits = .default) {
        self.init(MIMEMessage(parsing: bytes, limits: limits))
    }

    public init(_ message: MIMEMessage) {
        let root = message.root
        self.size = message.bytes.count
        self.envelope = Envelope(header: root.header)
        self.bodyStructure = BodyStructure(part: root, bytes: message.bytes)
        self.date = root.header.date?.date
        self.subject = root.header.subject
        self.messageID = root.header.messageID
        self.inReplyTo = root.header.inReplyTo
        self.references = root.header.references
        self.hasAttachments = !message.attachments.isEmpty
        self.problems = message.problems
        var sections: [SectionLocation] = []
        MessageSummary.collect(root, isMessageRoot: true, into: &sections)
        self.sections = sections
    }

    private static func collect(_ part: MIMEPart, isMessageRoot: Bool, into out: inout [SectionLocation]) {
        if isMessageRoot {
            if part.section.isEmpty {
                out.append(SectionLocation(section: [], header: part.headerRange, body: part.bodyRange,
                                           messageHeader: part.headerRange, messageText: part.bodyRange))
            }
            switch part.content {
            case .multipart(let m):
                for p in m.parts { collect(p, isMessageRoot: false, into: &out) }
            case .leaf:
                // a non-multipart message: its body is part 1 (RFC 9051 §6.4.5)
                out.append(SectionLocation(section: part.section + [1], header: part.headerRange, body: part.bodyRange))
            case .message(let inner):
                out.append(SectionLocation(section: inner.section, header: part.headerRange, body: part.bodyRange,
                                           messageHeader: inner.headerRange, messageText: inner.bodyRange))
                collect(inner, isMessageRoot: true, into: &out)
            }
            return
        }
        var location = SectionLocation(section: part.section, header: part.headerRange, body: part.bodyRange)
        switch part.content {
        case .leaf:
            out.append(location)
        case .multipart(let m):
            out.append(location)
            for p in m.parts { collect(p, isMessageRoot: false, into: &out) }
        case .message(let inner):
            location.messageHeader = inner.headerRange
            location.messageText = inner.bodyRange
            out.append(location)
            collect(inner, isMessageRoot: true, into: &out)
        }
    }

    /// The location of a section path, or nil if the message has no such part.
    public func location(of section: [Int]) -> SectionLocation? {
        sections.first { $0.section == section }
    }
}
