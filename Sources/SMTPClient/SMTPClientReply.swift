import SMTPProtocol

/// A reply as the client read it (RFC 5321 §4.2), with the enhanced status code (RFC 2034 §4,
/// RFC 3463) split off the text.
public struct SMTPClientReply: Sendable, Equatable, CustomStringConvertible {
    /// 200...599 (the parser refuses anything else).
    public var code: Int
    /// "5.1.1" when the first line's text began with an enhanced code whose class agrees with the
    /// reply code (never on 3xx replies, RFC 2034 §4).
    public var enhancedCode: String?
    /// The text of each line, without the code, separator and enhanced code.
    public var lines: [String]

    public init(code: Int, enhancedCode: String? = nil, lines: [String]) {
        self.code = code
        self.enhancedCode = enhancedCode
        self.lines = lines.isEmpty ? [""] : lines
    }

    /// 2xx and 3xx (RFC 5321 §4.2.1: positive completion and positive intermediate).
    public var isPositive: Bool { code < 400 }
    /// 4xx: try again later.
    public var isTransient: Bool { code / 100 == 4 }
    /// 5xx: do not repeat the same thing.
    public var isPermanent: Bool { code / 100 == 5 }
    /// The lines joined by a space, for logs and DSN diagnostic text.
    public var text: String { lines.joined(separator: " ") }

    /// The enhanced code parsed by SMTPProtocol, when present and valid.
    public var enhancedStatusCode: SMTPEnhancedStatusCode? { enhancedCode.flatMap(SMTPEnhancedStatusCode.init) }

    /// "550 5.1.1 User unknown": the form of a DSN Diagnostic-Code (RFC 3464 §2.3.6, type smtp).
    public var description: String {
        ([String(code)] + (enhancedCode.map { [$0] } ?? []) + [text]).joined(separator: " ")
            .trimmingTrailingSpaces()
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
