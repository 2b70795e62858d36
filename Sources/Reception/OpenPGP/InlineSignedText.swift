// Inline PGP: a text/plain body carrying a cleartext-signed block (RFC 9580 §7):
//   -----BEGIN PGP SIGNED MESSAGE-----
//   Hash: SHA256
//   <blank line>
//   <dash-escaped text>
//   -----BEGIN PGP SIGNATURE-----
//   ...
//   -----END PGP SIGNATURE-----
// Only the block is signed. A mailing list may add a footer, or a reply may quote the block
// inside other text: that text is not vouched for, and the result says so (`partial=yes`).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MailMessage

struct InlineSignedText {
    /// The block, from its first armor line to the end of its last (line ending included).
    var block: [UInt8]
    /// Whether the part has non-blank text outside the block.
    var partial: Bool

    static let begin = Array("-----BEGIN PGP SIGNED MESSAGE-----".utf8)
    static let end = Array("-----END PGP SIGNATURE-----".utf8)

    /// The first text/plain part (depth-first, as PGPSignedPart) whose decoded body has a block.
    static func find(in message: MIMEMessage) -> InlineSignedText? { find(in: message.root, of: message) }

    static func find(in part: MIMEPart, of message: MIMEMessage) -> InlineSignedText? {
        if part.parts.isEmpty, part.contentType.mimeType.lowercased() == "text/plain" {
            return extract(message.decodedBody(of: part))
        }
        for child in part.parts {
            if let found = find(in: child, of: message) { return found }
        }
        return nil
    }

    /// The block in `body`: the begin line at the start of a line, then the first end line after it.
    static func extract(_ body: [UInt8]) -> InlineSignedText? {
        guard let start = lineStart(of: begin, in: body, from: 0),
              let endLine = lineStart(of: end, in: body, from: start + begin.count) else { return nil }
        var stop = endLine + end.count
        while stop < body.count, body[stop] != 0x0A { stop += 1 }
        if stop < body.count { stop += 1 }
        let outside = body[..<start] + body[stop...]
        let partial = outside.contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D && $0 != 0x0A }
        return InlineSignedText(block: Array(body[start..<stop]), partial: partial)
    }

    /// Where `marker` begins a line of `bytes` at or after `from`. Lines are skipped with memchr
    /// and compared with memcmp: every received text/plain body is looked through, and the
    /// generic slice loops cost 63 K instructions for 10 KB of text (issue 24).
    static func lineStart(of marker: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        bytes.withUnsafeBufferPointer { body -> Int? in
            marker.withUnsafeBufferPointer { wanted -> Int? in
                guard let base = body.baseAddress, let wantedBase = wanted.baseAddress else { return nil }
                var index = from
                while index + wanted.count <= body.count {
                    if index == 0 || base[index - 1] == 0x0A, memcmp(base + index, wantedBase, wanted.count) == 0 { return index }
                    guard let newline = memchr(base + index, 0x0A, body.count - index) else { return nil }
                    index = base.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
                }
                return nil
            }
        }
    }
}
