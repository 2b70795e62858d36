// The MIME tree (RFC 2045, RFC 2046 §5): every part with its header and body offsets.

/// One node of the MIME tree. The top-level message is the root part (section []).
/// For message/rfc822 parts, `content` holds the encapsulated message as a part with the same
/// section path, whose header is the encapsulated message header (IMAP "2.HEADER").
public struct MIMEPart: Sendable, Equatable {
    /// IMAP section path (RFC 9051 §6.4.5): [] for the message, [1, 2] for "1.2".
    public var section: [Int]
    /// The part's header section (MIME header, or message header for a root/encapsulated message).
    public var header: HeaderSection
    /// The body, after the blank line, up to (not including) the line ending before the next delimiter.
    public var bodyRange: ByteRange
    /// The effective Content-Type, RFC 2045 §5.2 and RFC 2046 §5.1.5 defaults applied.
    public var contentType: ContentType
    /// False when Content-Type was absent or unreadable and a default was used.
    public var hasExplicitContentType: Bool
    public var transferEncoding: TransferEncoding
    public var contentDisposition: ContentDisposition?
    public var content: Content

    public indirect enum Content: Sendable, Equatable {
        case leaf
        case multipart(Multipart)
        /// message/rfc822 or message/global: the encapsulated message.
        case message(MIMEPart)
    }

    public struct Multipart: Sendable, Equatable {
        public var boundary: String
        public var parts: [MIMEPart]
        /// Text before the first delimiter line (RFC 2046 §5.1.1), if any.
        public var preamble: ByteRange?
        /// Text after the close delimiter line, if any.
        public var epilogue: ByteRange?
        /// False when the close delimiter was missing.
        public var closed: Bool
    }

    /// The header section's range, including its terminating blank line.
    public var headerRange: ByteRange { header.range }

    /// Header and body together.
    public var range: ByteRange { ByteRange(header.range.offset..<bodyRange.end) }

    /// The section as IMAP writes it ("1.2"; "" for the message).
    public var sectionString: String { section.map(String.init).joined(separator: ".") }

    /// True for a part that is neither a multipart nor an encapsulated message.
    public var isLeaf: Bool {
        if case .leaf = content { return true }
        return false
    }

    /// Child parts of a multipart (empty otherwise).
    public var parts: [MIMEPart] {
        if case .multipart(let m) = content { return m.parts }
        return []
    }

    /// The encapsulated message of a message/rfc822 part.
    public var encapsulatedMessage: MIMEPart? {
        if case .message(let m) = content { return m }
        return nil
    }

    /// The file name: Content-Disposition filename, else Content-Type name (RFC 2183 §2.3).
    public var filename: String? {
        if let f = contentDisposition?.filename, !f.isEmpty { return f }
        if let n = contentType.name, !n.isEmpty { return n }
        return nil
    }

    /// Whether this part is an attachment: Content-Disposition says so (RFC 2183 §2.2), or,
    /// without one, a named non-text leaf.
    public var isAttachment: Bool {
        if let disposition = contentDisposition?.type { return disposition == "attachment" }
        if case .leaf = content, !contentType.isText, filename != nil { return true }
        return false
    }

    /// Every part in depth-first order, this one first; encapsulated messages included.
    public var allParts: [MIMEPart] {
        var out: [MIMEPart] = [self]
        switch content {
        case .leaf: break
        case .multipart(let m): for p in m.parts { out += p.allParts }
        case .message(let inner): out += inner.allParts
        }
        return out
    }
}
