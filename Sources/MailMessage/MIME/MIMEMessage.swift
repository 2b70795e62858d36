// The parsed message: the original bytes plus the MIME tree over them.

/// A parsed message. Parsing never fails; defects are listed in `problems`.
public struct MIMEMessage: Sendable {
    /// The original bytes; every range in the tree points into them.
    public let bytes: [UInt8]
    /// The top-level entity (section []).
    public let root: MIMEPart
    public let problems: [MessageProblem]

    public init(parsing bytes: [UInt8], limits: MessageLimits = .default) {
        MessageParseCounter.count()
        var parser = MIMEParser(bytes: bytes, limits: limits)
        self.root = parser.parseEntity(0..<bytes.count, section: [], depth: 0, defaultType: .defaultText, isMessage: true)
        self.bytes = bytes
        self.problems = parser.problems
    }

    public init(parsing text: String, limits: MessageLimits = .default) {
        self.init(parsing: Array(text.utf8), limits: limits)
    }

    /// The top-level header section.
    public var header: HeaderSection { root.header }

    /// The exact bytes of the top-level header section (with its blank line).
    public var rawHeader: ArraySlice<UInt8> { bytes[root.header.range.range] }

    /// The part at an IMAP section path. [] is the message; for a non-multipart message [1] is
    /// the message body; inside a message/rfc822 part the numbering continues into the
    /// encapsulated message (RFC 9051 §6.4.5).
    public func part(at section: [Int]) -> MIMEPart? {
        var current = root
        var isMessage = true
        var k = 0
        while k < section.count {
            let index = section[k]
            switch current.content {
            case .multipart(let m):
                guard index >= 1, index <= m.parts.count else { return nil }
                current = m.parts[index - 1]
                isMessage = false
                k += 1
            case .message(let inner):
                if isMessage {
                    guard index == 1 else { return nil }
                    k += 1
                }
                current = inner
                isMessage = true
            case .leaf:
                guard isMessage, index == 1 else { return nil }
                isMessage = false
                k += 1
            }
        }
        return current
    }

    /// The raw (still transfer-encoded) body bytes of a part.
    public func rawBody(of part: MIMEPart) -> ArraySlice<UInt8> { bytes[part.bodyRange.range] }

    /// The body with its Content-Transfer-Encoding removed.
    public func decodedBody(of part: MIMEPart) -> [UInt8] { part.transferEncoding.decode(rawBody(of: part)) }

    /// The text of a text/* part, transfer-decoded and converted from its charset;
    /// nil for non-text parts.
    public func text(of part: MIMEPart) -> CharsetDecodeResult? {
        guard part.contentType.isText, case .leaf = part.content else { return nil }
        let data = decodedBody(of: part)
        let charset = part.contentType.charset ?? "us-ascii"
        if part.contentType.charset == nil && !ByteText.isASCII(data) {
            return Charset.decodeUnlabelled(data, hint: nil)
        }
        return Charset.decode(data, charset: charset)
    }

    /// Every leaf part that is an attachment.
    public var attachments: [MIMEPart] { root.allParts.filter { $0.isAttachment && $0.isLeaf } }

    /// The best plain-text rendering of the message body: the first text/plain leaf outside
    /// attachments, else the first text/html converted to text.
    public var textBody: String? {
        let leaves = root.allParts.filter { $0.isLeaf && !$0.isAttachment && $0.contentType.isText }
        if let plain = leaves.first(where: { $0.contentType.subtype == "plain" }) { return text(of: plain)?.text }
        if let html = leaves.first(where: { $0.contentType.subtype == "html" }), let t = text(of: html)?.text {
            return HTMLText.plainText(t)
        }
        return nil
    }

    /// The decoded, charset-converted text of every text part (HTML as plain text), joined by
    /// newlines, for IMAP SEARCH BODY/TEXT (RFC 9051 §6.4.4). Encapsulated messages' text parts
    /// are included; attachments that are not text are not.
    public var decodedText: String { decodedText(known: { _ in nil }) }

    /// `decodedText`, taking a part's text from `known` when the caller already has it from
    /// `text(of:)` (nil: decoded here). The risk assessment decodes each text part for its own
    /// checks and then needs this joined text; decoding the parts once instead of twice saves
    /// about 1% of an inbound message's instructions (docs/PERFORMANCE.md, issue 24).
    public func decodedText(known: (MIMEPart) -> String?) -> String {
        var pieces: [String] = []
        for part in root.allParts where part.isLeaf && part.contentType.isText {
            guard let t = known(part) ?? text(of: part)?.text else { continue }
            pieces.append(part.contentType.subtype == "html" ? HTMLText.plainText(t) : t)
        }
        return pieces.joined(separator: "\n")
    }

    /// Every header of the message and of encapsulated messages, decoded, for SEARCH TEXT.
    public var decodedHeaderText: String {
        root.header.fields.map { "\($0.name): \($0.decodedValue)" }.joined(separator: "\n")
    }
}
