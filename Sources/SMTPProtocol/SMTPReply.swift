import NIOCore

/// An enhanced mail system status code (RFC 3463 §2, RFC 2034 §4).
///
///     status-code ::= class "." subject "." detail
///     class       ::= "2" / "4" / "5"
///     subject     ::= 1*3digit
///     detail      ::= 1*3digit
public struct SMTPEnhancedStatusCode: Sendable, Hashable, CustomStringConvertible {
    public let statusClass: Int
    public let subject: Int
    public let detail: Int

    /// nil unless class is 2, 4 or 5 and subject and detail are 0...999.
    public init?(_ statusClass: Int, _ subject: Int, _ detail: Int) {
        guard [2, 4, 5].contains(statusClass), (0...999).contains(subject), (0...999).contains(detail) else {
            return nil
        }
        self.statusClass = statusClass
        self.subject = subject
        self.detail = detail
    }

    /// Parses "5.1.1".
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ (1...3).contains($0.count) && $0.allSatisfy(\.isASCII) }),
              let c = Int(parts[0]), let s = Int(parts[1]), let d = Int(parts[2]), parts[0].count == 1
        else { return nil }
        self.init(c, s, d)
    }

    public var description: String { "\(statusClass).\(subject).\(detail)" }
}

/// A server reply (RFC 5321 §4.2): a three-digit code, the enhanced status code where RFC 2034
/// asks for one, and one or more lines of text.
public struct SMTPReply: Sendable, Equatable {
    public let code: Int
    public let enhancedCode: SMTPEnhancedStatusCode?
    public let lines: [String]

    /// - Precondition: `code` is 200...599, and `enhancedCode`'s class equals the first digit of
    ///   `code` (RFC 2034 §4: "All status codes returned by the server must agree with the primary
    ///   response code"). These are programmer errors, never client input.
    public init(_ code: Int, _ enhancedCode: SMTPEnhancedStatusCode? = nil, _ lines: [String]) {
        precondition((200...599).contains(code), "SMTP reply code \(code) out of range")
        precondition(enhancedCode.map { $0.statusClass == code / 100 } ?? true, "enhanced code \(enhancedCode!) disagrees with \(code)")
        self.code = code
        self.enhancedCode = enhancedCode
        self.lines = lines.isEmpty ? [""] : lines
    }

    public init(_ code: Int, _ enhancedCode: SMTPEnhancedStatusCode? = nil, _ text: String) {
        self.init(code, enhancedCode, [text])
    }

    /// 2xx. RFC 5321 §4.2.1.
    public var isPositive: Bool { code < 400 }
    /// 4xx: the client may try again later.
    public var isTemporaryFailure: Bool { code / 100 == 4 }
    /// 5xx.
    public var isPermanentFailure: Bool { code / 100 == 5 }

    // reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF
    // (RFC 5321 §4.2). RFC 2034 §4: with ENHANCEDSTATUSCODES every line of a 2xx/4xx/5xx reply
    // starts with the same enhanced code; 3xx replies (354, 334) never carry one.
    /// Writes the reply. Text is made safe first: CR, LF and other controls become spaces (a reply
    /// can never be split or forged by text that came from the client), and each line is cut to
    /// `SMTPLimits.maxReplyLineLength` octets with its CRLF.
    public func encode(into buffer: inout ByteBuffer, enhancedStatusCodes: Bool = true) {
        let prefix: String
        if enhancedStatusCodes, let enhancedCode, code / 100 != 3 {
            prefix = "\(enhancedCode) "
        } else {
            prefix = ""
        }
        for (index, line) in lines.enumerated() {
            let separator = index == lines.count - 1 ? " " : "-"
            var text = Array((prefix + line).utf8)
            for position in text.indices where text[position] < 0x20 || text[position] == 0x7F {
                text[position] = UInt8(ascii: " ")
            }
            while text.last == UInt8(ascii: " ") { text.removeLast() }
            let room = SMTPLimits.maxReplyLineLength - 6  // code, separator, CRLF
            if text.count > room { text = Self.truncatedUTF8(text, to: room) }
            // Always the separator, even before empty text: RFC 4954 §4 continue-req = "334" SP [base64].
            buffer.writeString(String(code))
            buffer.writeString(separator)
            buffer.writeBytes(text)
            buffer.writeStaticString("\r\n")
        }
    }

    /// The encoded reply as a String, for logs and tests.
    public func encoded(enhancedStatusCodes: Bool = true) -> String {
        var buffer = ByteBuffer()
        encode(into: &buffer, enhancedStatusCodes: enhancedStatusCodes)
        return String(buffer: buffer)
    }

    /// Cuts at a UTF-8 character boundary.
    private static func truncatedUTF8(_ bytes: [UInt8], to length: Int) -> [UInt8] {
        var end = length
        while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return Array(bytes[..<end])
    }
}
