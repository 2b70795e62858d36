// Problems the parser found and worked around. Parsing never throws; it reports.

/// One defect found while reading a message, with where it was found.
public struct MessageProblem: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, Hashable {
        case bareLineEnding            // LF or CR not part of CRLF
        case lineTooLong               // over 998 octets (RFC 5322 §2.1.1)
        case invalidHeaderLine         // a line in the header section that is no field
        case missingHeaderBodySeparator
        case tooManyHeaderFields
        case eightBitHeader            // raw non-UTF-8 8-bit bytes in a header (not RFC 6532)
        case invalidEncodedWord        // RFC 2047 encoded-word that could not be decoded
        case unknownCharset
        case charsetDecodingErrors     // bytes invalid in the declared charset
        case invalidContentType        // RFC 2045 §5.2: read as text/plain
        case missingBoundary           // multipart without a boundary parameter
        case missingStartBoundary      // no delimiter line found in a multipart body
        case missingCloseDelimiter     // multipart ended without "--boundary--"
        case depthLimitExceeded
        case partLimitExceeded
        case invalidBase64
        case invalidQuotedPrintable
        case unknownTransferEncoding
        case encodedMessagePart        // message/rfc822 with base64/QP (RFC 2046 §5.2.1 forbids)
        case invalidAddress
        case invalidDate
        case invalidParameter
    }

    public var kind: Kind
    /// Section path of the part ("" for the top-level message, "1.2" for a nested part).
    public var section: String
    public var detail: String

    public init(_ kind: Kind, section: String = "", detail: String = "") {
        self.kind = kind
        self.section = section
        self.detail = detail
    }

    public var description: String {
        let at = section.isEmpty ? "message" : "part \(section)"
        return detail.isEmpty ? "\(at): \(kind.rawValue)" : "\(at): \(kind.rawValue): \(detail)"
    }
}
