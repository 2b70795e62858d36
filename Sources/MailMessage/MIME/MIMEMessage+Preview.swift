// The short text a client shows under a message's subject in a list (IMAP PREVIEW, RFC 8970).

extension MIMEMessage {
    /// RFC 8970 §3.1: at most 256 characters.
    public static let previewCharacters = 256

    /// RFC 8970 §3.1's preview: the first text/plain part outside attachments, else the first
    /// text/html one reduced to text, transfer- and charset-decoded, with every run of
    /// whitespace (line breaks and the ideographic space U+3000 included) made one space, cut
    /// to `maxCharacters` characters (grapheme clusters, so a Japanese character or an emoji
    /// is never split). Only the first `maxSourceOctets` octets of the part are decoded, so a
    /// long body costs no more than a short one. Empty when there is no such text.
    public func preview(maxCharacters: Int = previewCharacters, maxSourceOctets: Int = 64 * 1024) -> String {
        let leaves = root.allParts.filter { $0.isLeaf && !$0.isAttachment && $0.contentType.isText }
        guard let part = leaves.first(where: { $0.contentType.subtype == "plain" })
                ?? leaves.first(where: { $0.contentType.subtype == "html" }) else { return "" }
        let data = part.transferEncoding.decode(rawBody(of: part).prefix(maxSourceOctets))
        let decoded: String
        if part.contentType.charset == nil && !ByteText.isASCII(data) {
            decoded = Charset.decodeUnlabelled(data, hint: nil).text
        } else {
            decoded = Charset.decode(data, charset: part.contentType.charset ?? "us-ascii").text
        }
        let text = part.contentType.subtype == "html" ? HTMLText.plainText(decoded) : decoded
        var out = ""
        var count = 0
        var pendingSpace = false
        for character in text {
            if character.isWhitespace || character.unicodeScalars.allSatisfy({ $0.properties.isDefaultIgnorableCodePoint }) {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                guard count + 1 < maxCharacters else { break }
                out.append(" ")
                count += 1
                pendingSpace = false
            }
            guard count < maxCharacters else { break }
            // Control characters other than whitespace never reach a client's list view.
            if character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { continue }
            out.append(character)
            count += 1
        }
        return out
    }
}
