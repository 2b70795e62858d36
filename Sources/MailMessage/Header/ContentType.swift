// Content-Type (RFC 2045 §5) and Content-Disposition (RFC 2183).

/// A parsed Content-Type with lowercased type and subtype and the raw parameter list.
public struct ContentType: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var type: String
    public var subtype: String
    public var parameters: [MIMEParameter]

    public init(type: String, subtype: String, parameters: [MIMEParameter] = []) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.parameters = parameters
    }

    /// RFC 2045 §5.2 default: text/plain; charset=us-ascii.
    public static let defaultText = ContentType(type: "text", subtype: "plain", parameters: [MIMEParameter(name: "charset", value: "us-ascii")])
    /// RFC 2046 §5.1.5 default inside multipart/digest.
    public static let defaultDigestPart = ContentType(type: "message", subtype: "rfc822")

    public var mimeType: String { "\(type)/\(subtype)" }
    public var isMultipart: Bool { type == "multipart" }
    /// message/rfc822 and message/global (RFC 6532 §3.7) carry a whole message.
    public var isMessage: Bool { type == "message" && (subtype == "rfc822" || subtype == "global") }
    public var isText: Bool { type == "text" }

    /// The decoded value of a parameter (RFC 2231 and encoded-words handled), case-insensitive name.
    public func parameter(_ name: String) -> String? {
        ParameterParser.value(of: name, in: parameters, fallbackCharset: nil)
    }

    public var charset: String? { parameter("charset") }
    public var boundary: String? { parameters.first { $0.name.lowercased() == "boundary" }?.value }
    public var name: String? { parameter("name") }

    public var description: String {
        ([mimeType] + parameters.map { "\($0.name)=\($0.value)" }).joined(separator: "; ")
    }

    /// content := type "/" subtype *(";" parameter)     (RFC 2045 §5.1)
    /// Returns nil when there is no recognisable type/subtype (RFC 2045 §5.2 then applies).
    public init?<C: Collection>(headerValue: C) where C.Element == UInt8 {
        var problems: [MessageProblem] = []
        guard let parsed = ContentType.parse(Array(headerValue), problems: &problems) else { return nil }
        self = parsed
    }

    static func parse(_ b: [UInt8], problems: inout [MessageProblem]) -> ContentType? {
        var i = 0
        let n = b.count
        func skipCFWS() {
            while i < n {
                if ASCII.isWhitespace(b[i]) { i += 1; continue }
                if b[i] == ASCII.openParen {
                    while i < n, b[i] != ASCII.closeParen { i += 1 }
                    i = min(i + 1, n)  // an unterminated comment runs to the end
                    continue
                }
                break
            }
        }
        func token() -> String {
            let s = i
            while i < n, isTokenChar(b[i]) { i += 1 }
            return String(decoding: b[s..<i], as: UTF8.self)
        }
        skipCFWS()
        let type = token()
        skipCFWS()
        guard !type.isEmpty, i < n, b[i] == ASCII.slash else { return nil }
        i += 1
        skipCFWS()
        let subtype = token()
        guard !subtype.isEmpty else { return nil }
        let parameters = ParameterParser.parse(b, from: i, fallbackCharset: nil, problems: &problems)
        return ContentType(type: type, subtype: subtype, parameters: parameters)
    }

    /// token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>    (RFC 2045 §5.1)
    static func isTokenChar(_ c: UInt8) -> Bool {
        guard c > 0x20 && c < 0x7F else { return false }
        switch c {
        case ASCII.openParen, ASCII.closeParen, ASCII.lessThan, ASCII.greaterThan, ASCII.at, ASCII.comma,
             ASCII.semicolon, ASCII.colon, ASCII.backslash, ASCII.quote, ASCII.slash, ASCII.openBracket,
             ASCII.closeBracket, ASCII.question, ASCII.equals: return false
        default: return true
        }
    }
}

/// A parsed Content-Disposition (RFC 2183).
public struct ContentDisposition: Sendable, Equatable, Hashable, Codable {
    /// "inline", "attachment" or another disposition-type, lowercased.
    public var type: String
    public var parameters: [MIMEParameter]

    public init(type: String, parameters: [MIMEParameter] = []) {
        self.type = type.lowercased()
        self.parameters = parameters
    }

    /// disposition := "Content-Disposition" ":" disposition-type *(";" disposition-parm)   (RFC 2183 §2)
    public init?<C: Collection>(headerValue: C) where C.Element == UInt8 {
        let b = Array(headerValue)
        var i = 0
        while i < b.count, ASCII.isWhitespace(b[i]) { i += 1 }
        let s = i
        while i < b.count, ContentType.isTokenChar(b[i]) { i += 1 }
        guard i > s else { return nil }
        var problems: [MessageProblem] = []
        self.type = String(decoding: b[s..<i], as: UTF8.self).lowercased()
        self.parameters = ParameterParser.parse(b, from: i, fallbackCharset: nil, problems: &problems)
    }

    public func parameter(_ name: String) -> String? {
        ParameterParser.value(of: name, in: parameters, fallbackCharset: nil)
    }

    public var filename: String? { parameter("filename") }
}
