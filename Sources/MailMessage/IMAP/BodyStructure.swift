// IMAP BODYSTRUCTURE (RFC 9051 §7.5.2 "BODYSTRUCTURE", §9 body rules) with extension data.

/// body = "(" (body-type-1part / body-type-mpart) ")"
public indirect enum BodyStructure: Sendable, Equatable, Codable {
    case singlePart(SinglePart)
    case multipart(Multipart)

    /// body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
    public struct SinglePart: Sendable, Equatable, Codable {
        /// media type and subtype, lowercase
        public var type: String
        public var subtype: String
        /// body-fld-param: Content-Type parameters as written (RFC 2231 forms not merged).
        public var parameters: [MIMEParameter]
        /// body-fld-id: Content-ID as written (with angle brackets).
        public var id: String?
        /// body-fld-desc: Content-Description as written.
        public var description: String?
        /// body-fld-enc: Content-Transfer-Encoding as written, "7BIT" when absent.
        public var encoding: String
        /// body-fld-octets: size of the body in octets as stored.
        public var octets: Int
        /// body-fld-lines for text/* (and for message/rfc822, the lines of the whole encapsulated message).
        public var lines: Int?
        /// For message/rfc822 and message/global: the encapsulated message.
        public var message: EncapsulatedMessage?
        /// body-ext-1part: body-fld-md5 (Content-MD5), disposition, language, location.
        public var md5: String?
        public var disposition: Disposition?
        public var language: [String]?
        public var location: String?
    }

    /// body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
    public struct Multipart: Sendable, Equatable, Codable {
        public var parts: [BodyStructure]
        public var subtype: String
        /// body-ext-mpart: body-fld-param, disposition, language, location.
        public var parameters: [MIMEParameter]
        public var disposition: Disposition?
        public var language: [String]?
        public var location: String?
    }

    /// body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
    public struct EncapsulatedMessage: Sendable, Equatable, Codable {
        public var envelope: Envelope
        public var body: BodyStructure
    }

    /// body-fld-dsp = "(" string SP body-fld-param ")" / nil
    public struct Disposition: Sendable, Equatable, Codable {
        public var type: String
        public var parameters: [MIMEParameter]
    }

    /// Builds the structure of `part` over `bytes` (the bytes the part's ranges point into).
    public init(part: MIMEPart, bytes: [UInt8]) {
        let header = part.header
        func raw(_ name: String) -> String? { header.field(name).map { ByteText.string($0.unfoldedValue) } }
        let disposition = part.contentDisposition.map { Disposition(type: $0.type, parameters: $0.parameters) }
        let language: [String]? = header.contentLanguage.isEmpty ? nil : header.contentLanguage
        let location = header.contentLocation
        switch part.content {
        case .multipart(let m):
            self = .multipart(Multipart(parts: m.parts.map { BodyStructure(part: $0, bytes: bytes) }, subtype: part.contentType.subtype,
                                        parameters: part.contentType.parameters, disposition: disposition, language: language, location: location))
        case .leaf, .message:
            var encoding = raw("Content-Transfer-Encoding")?.trimmingWhitespaceString() ?? ""
            if encoding.isEmpty { encoding = "7BIT" }
            var single = SinglePart(type: part.contentType.type, subtype: part.contentType.subtype,
                                    parameters: part.contentType.parameters, id: raw("Content-ID"), description: raw("Content-Description"),
                                    encoding: encoding, octets: part.bodyRange.length, lines: nil, message: nil,
                                    md5: raw("Content-MD5"), disposition: disposition, language: language, location: location)
            if case .message(let inner) = part.content {
                single.message = EncapsulatedMessage(envelope: Envelope(header: inner.header), body: BodyStructure(part: inner, bytes: bytes))
                single.lines = BodyStructure.lineCount(bytes, part.bodyRange)
            } else if part.contentType.isText {
                single.lines = BodyStructure.lineCount(bytes, part.bodyRange)
            } else if part.contentType.isMessage {
                // an encoded message/rfc822 kept as a leaf: described as a basic part
                single.type = "application"
                single.subtype = "octet-stream"
            }
            if !part.hasExplicitContentType && part.contentType == .defaultText {
                single.parameters = ContentType.defaultText.parameters
            }
            self = .singlePart(single)
        }
    }

    private enum CodingKeys: String, CodingKey { case single, multipart }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let m = try c.decodeIfPresent(Multipart.self, forKey: .multipart) {
            self = .multipart(m)
        } else {
            self = .singlePart(try c.decode(SinglePart.self, forKey: .single))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .singlePart(let s): try c.encode(s, forKey: .single)
        case .multipart(let m): try c.encode(m, forKey: .multipart)
        }
    }

    /// body-fld-lines: the number of lines; a last line without a line ending counts too.
    static func lineCount(_ bytes: [UInt8], _ range: ByteRange) -> Int {
        guard range.length > 0 else { return 0 }
        let lf = ByteSearch.countLF(in: bytes, range: range.range)
        return bytes[range.end - 1] == ASCII.lf ? lf : lf + 1
    }
}

extension String {
    func trimmingWhitespaceString() -> String {
        String(decoding: Array(utf8)[...].trimmingWhitespace(), as: UTF8.self)
    }
}
