// Header text encodings: RFC 2047 encoded-words (B and Q, with ICU charsets and the fallback
// charset for raw 8-bit), RFC 2231 parameter continuations and charsets in Content-Type and
// Content-Disposition, and address lists (RFC 5322 §3.4, encoded display names).

import MailMessage

/// `encoded-words`: the input as an unstructured field value, a Content-Type and a
/// Content-Disposition value, and an address list; then, when the decoded text is plain enough
/// to be a subject, MessageBuilder encodes it and the parser must give it back.
enum EncodedWordsTarget {
    static func run(_ bytes: [UInt8]) {
        let text = RFC2047.decodeUnstructured(bytes)
        _ = RFC2047.decodeUnstructured(bytes, fallbackCharset: "iso-2022-jp")
        _ = RFC2047.decodeUnstructured(bytes, fallbackCharset: "windows-1252")
        if let type = ContentType(headerValue: bytes) {
            _ = type.charset
            _ = type.boundary
            _ = type.name
            _ = type.description
        }
        if let disposition = ContentDisposition(headerValue: bytes) { _ = disposition.filename }
        for address in AddressParser.parseList(bytes) { _ = address }
        roundTrip(text)
    }

    /// Encoding then decoding a subject returns it (RFC 2047 §5 (1)); only for text without
    /// controls or runs of whitespace, which folding and unfolding normalise.
    static func roundTrip(_ subject: String) {
        guard !subject.isEmpty, subject.utf8.count < 512,
              subject.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value != 0x7F && !($0.value >= 0x80 && $0.value < 0xA0) || $0 == " " }),
              !subject.contains("  "), subject.first != " ", subject.last != " "
        else { return }
        var builder = MessageBuilder()
        builder.from = [Mailbox(localPart: "a", domain: "example.com")]
        builder.subject = subject
        builder.textBody = "x"
        let message = MIMEMessage(parsing: builder.build())
        precondition(message.header.subject == subject, "subject did not survive encoding and decoding")
    }
}
