@testable import IMAPProtocol
import NIOCore
import Testing

/// `IMAPResponseEncoder.writeString` writes quoted strings in runs (issue 24); the octets must be
/// those of the RFC 9051 §4.3 grammar the octet-by-octet writer produced: `"` and `\` escaped,
/// CR, LF, NUL, over-long or (without UTF-8) 8-bit strings sent as literals.
@Suite struct QuotedStringEncoderTests {
    /// The writer this replaced, kept as the reference.
    static func reference(_ bytes: [UInt8], _ encoder: IMAPResponseEncoder) -> [UInt8] {
        guard encoder.canQuote(bytes) else { return Array("{\(bytes.count)}\r\n".utf8) + bytes }
        var out: [UInt8] = [0x22]
        for byte in bytes {
            if byte == 0x22 || byte == 0x5C { out.append(0x5C) }
            out.append(byte)
        }
        return out + [0x22]
    }

    static func written(_ bytes: [UInt8], _ encoder: IMAPResponseEncoder) -> [UInt8] {
        var buffer = ByteBuffer()
        encoder.writeString(bytes, into: &buffer)
        var viaString = ByteBuffer()
        if let text = String(validating: bytes, as: UTF8.self) {
            encoder.writeString(text, into: &viaString)
            #expect(viaString == buffer, "String and octets write alike")
        }
        return Array(buffer.readableBytesView)
    }

    @Test func escapesAndLiteralsAsBefore() {
        let cases: [String] = ["", "plain", "\"", "\\", "a\"b\\c", "\"\"\\\\", "end\\", "\"start", "quote \"inside\" text",
                               "Ärger", "line\r\nbreak", "nul\u{0}", String(repeating: "x", count: 1_025)]
        for encoding in [IMAPTextEncoding.imap4rev1, .utf8Accepted] {
            let encoder = IMAPResponseEncoder(encoding: encoding)
            for text in cases {
                let bytes = Array(text.utf8)
                #expect(Self.written(bytes, encoder) == Self.reference(bytes, encoder), "\(text.prefix(20)) \(encoding)")
            }
        }
    }

    @Test func randomOctetsAsBefore() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x22, 0x5C, 0x41, 0x20, 0x0D, 0x0A, 0x00, 0xC3, 0x84, 0xFF, 0x7A]
        for encoding in [IMAPTextEncoding.imap4rev1, .utf8Accepted] {
            let encoder = IMAPResponseEncoder(encoding: encoding, maxQuotedLength: 64)
            for _ in 0..<2_000 {
                let bytes = (0..<Int.random(in: 0...80, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
                #expect(Self.written(bytes, encoder) == Self.reference(bytes, encoder))
            }
        }
    }
}
