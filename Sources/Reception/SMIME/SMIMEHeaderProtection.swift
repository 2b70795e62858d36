// Header protection on submission (RFC 9788, "Header Protection for Cryptographically Protected
// Email", which updates RFC 8551 §3.1): instead of wrapping the message in message/rfc822, the
// header fields are injected into the header of the Cryptographic Payload — the MIME entity
// that is signed or encrypted — whose Content-Type gets `hp="clear"` (signed only) or
// `hp="cipher"` (encrypted). For an encrypted message the outer header then follows the
// baseline Header Confidentiality Policy (hcp_baseline): Subject becomes "[...]", Comments and
// Keywords are dropped, every other field stays; and the payload records each field left
// outside in an `HP-Outer` field, so a reader can tell what a relay saw.

import MailMessage

extension SMIMEComposer {
    /// The obscured Subject of hcp_baseline.
    public static let obscuredSubject = "[...]"

    /// Splits `message` like `split`, with the non-structural header fields copied into the
    /// entity (RFC 9788's injected header fields) and `hp` on its Content-Type. `confidential`:
    /// the entity is about to be encrypted (hp="cipher", hcp_baseline outside, HP-Outer inside).
    public static func protectingHeader(_ message: [UInt8], confidential: Bool) -> Split {
        let parsed = MIMEMessage(parsing: message)
        var injected: [UInt8] = [], recorded: [UInt8] = [], structural: [UInt8] = [], outer: [UInt8] = []
        var typed = false
        let hp = confidential ? "cipher" : "clear"
        for field in parsed.header.fields {
            let name = field.name.lowercased()
            if name == "mime-version" { continue }
            if name == "content-type" {
                structural += withParameter(Array(field.raw), "hp=\"\(hp)\"")
                typed = true
            } else if name.hasPrefix("content-") {
                structural += field.raw
            } else {
                injected += field.raw
                guard let kept = confidential ? baseline(name, Array(field.raw)) : Array(field.raw) else { continue }
                outer += kept
                if confidential { recorded += Array("HP-Outer: ".utf8) + kept }
            }
        }
        // RFC 2045 §5.2: no Content-Type means text/plain; charset=us-ascii.
        if !typed { structural = Array("Content-Type: text/plain; charset=us-ascii; hp=\"\(hp)\"\r\n".utf8) + structural }
        let body = Array(message[min(parsed.header.range.end, message.count)...])
        return Split(outer: outer, entity: injected + recorded + structural + Array("\r\n".utf8) + body)
    }

    /// hcp_baseline for one outer field: nil when it is left out.
    static func baseline(_ name: String, _ raw: [UInt8]) -> [UInt8]? {
        switch name {
        case "subject": Array("Subject: \(obscuredSubject)\r\n".utf8)
        case "comments", "keywords": nil
        default: raw
        }
    }

    /// A header field (with its CRLF, perhaps folded) with `; parameter` added at its end.
    static func withParameter(_ raw: [UInt8], _ parameter: String) -> [UInt8] {
        var text = raw
        while let last = text.last, last == 0x0D || last == 0x0A || last == 0x20 || last == 0x09 { text.removeLast() }
        if text.last == UInt8(ascii: ";") { text.removeLast() }
        return text + Array("; \(parameter)\r\n".utf8)
    }
}
