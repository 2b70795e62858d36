// Building new messages: RFC 5322 header, RFC 2045/2046 structure, CRLF everywhere,
// no line over 998 octets (RFC 5322 §2.1.1).
import Foundation

/// Composes a message. Set the fields, then call `build()`.
///
/// Structure: text and HTML become multipart/alternative; inline parts (with a Content-ID)
/// join the HTML in multipart/related; attachments wrap everything in multipart/mixed.
public struct MessageBuilder: Sendable {
    public struct Attachment: Sendable, Equatable {
        public var filename: String?
        /// "type/subtype", e.g. "image/png".
        public var contentType: String
        public var data: [UInt8]
        /// Content-ID without angle brackets; set for inline parts referenced as "cid:".
        public var contentID: String?
        public var isInline: Bool

        public init(filename: String?, contentType: String, data: [UInt8], contentID: String? = nil, isInline: Bool = false) {
            self.filename = filename
            self.contentType = contentType
            self.data = data
            self.contentID = contentID
            self.isInline = isInline
        }
    }

    public var from: [Mailbox] = []
    public var sender: Mailbox?
    public var replyTo: [Mailbox] = []
    public var to: [Mailbox] = []
    public var cc: [Mailbox] = []
    /// Written as a Bcc field; a submission server removes it before relaying.
    public var bcc: [Mailbox] = []
    public var subject: String?
    /// Date field; the build time when nil.
    public var date: Date?
    public var timeZone: TimeZone = .current
    /// Message-ID without angle brackets; generated when nil.
    public var messageID: String?
    /// Domain for generated Message-IDs; the first From domain when nil.
    public var messageIDDomain: String?
    public var inReplyTo: [String] = []
    public var references: [String] = []
    /// Further fields, written after the standard ones; values already ASCII or UTF-8 text
    /// (encoded-words are added for non-ASCII values).
    public var extraHeaders: [(name: String, value: String)] = []
    public var textBody: String?
    public var htmlBody: String?
    public var attachments: [Attachment] = []
    /// The multipart subtype (and parameters) that wraps the body and the attachments: "mixed",
    /// or e.g. `report; report-type="tlsrpt"` for an RFC 6522 report.
    public var attachmentWrapper = "mixed"
    /// Charset for encoded-words in headers (names, subject, file names in Content-Type).
    public var headerCharset: HeaderCharset = .utf8
    /// Charset for text bodies; ISO-2022-JP bodies are 7bit.
    public var bodyCharset: HeaderCharset = .utf8
    /// Whether 8bit text bodies may be written (needs 8BITMIME, RFC 6152); else QP or base64.
    public var allow8bit = true

    public init() {}

    /// The message as CRLF-terminated bytes.
    public func build() -> [UInt8] {
        var out: [UInt8] = []
        if !from.isEmpty { out += HeaderEncoding.addressList(name: "From", mailboxes: from, charset: headerCharset) }
        if let sender { out += HeaderEncoding.addressList(name: "Sender", mailboxes: [sender], charset: headerCharset) }
        if !replyTo.isEmpty { out += HeaderEncoding.addressList(name: "Reply-To", mailboxes: replyTo, charset: headerCharset) }
        if !to.isEmpty { out += HeaderEncoding.addressList(name: "To", mailboxes: to, charset: headerCharset) }
        if !cc.isEmpty { out += HeaderEncoding.addressList(name: "Cc", mailboxes: cc, charset: headerCharset) }
        if !bcc.isEmpty { out += HeaderEncoding.addressList(name: "Bcc", mailboxes: bcc, charset: headerCharset) }
        if let subject { out += HeaderEncoding.unstructured(name: "Subject", value: subject, charset: headerCharset) }
        out += Array("Date: \(MessageDate.format(date ?? Date(), timeZone: timeZone))\r\n".utf8)
        let id = messageID ?? MessageBuilder.generateMessageID(domain: messageIDDomain ?? from.first?.domain ?? "localhost")
        out += Array("Message-ID: <\(id)>\r\n".utf8)
        if !inReplyTo.isEmpty { out += idList(name: "In-Reply-To", inReplyTo) }
        if !references.isEmpty { out += idList(name: "References", references) }
        for (name, value) in extraHeaders {
            out += HeaderEncoding.unstructured(name: name, value: value, charset: headerCharset)
        }
        out += Array("MIME-Version: 1.0\r\n".utf8)
        out += entity(bodyTree())
        if !out.isEmpty, out.last != ASCII.lf { out += [ASCII.cr, ASCII.lf] }
        return out
    }

    /// A fresh Message-ID (without brackets): random, unique, and at "domain".
    public static func generateMessageID(domain: String) -> String {
        let random = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return "\(random).\(Int(Date().timeIntervalSince1970))@\(domain)"
    }

    private func idList(name: String, _ ids: [String]) -> [UInt8] {
        var folder = HeaderFolder(name: name)
        for id in ids { folder.append("<\(id)>") }
        return folder.finish()
    }

    // MARK: structure

    private indirect enum Node {
        case text(String, subtype: String)
        case attachment(Attachment)
        case multipart(subtype: String, [Node])
    }

    private func bodyTree() -> Node {
        let inline = attachments.filter { $0.isInline && $0.contentID != nil }
        let attached = attachments.filter { !($0.isInline && $0.contentID != nil) }
        var html: Node? = htmlBody.map { .text($0, subtype: "html") }
        if let h = html, !inline.isEmpty { html = .multipart(subtype: "related", [h] + inline.map { .attachment($0) }) }
        var body: Node
        switch (textBody, html) {
        case (let t?, let h?): body = .multipart(subtype: "alternative", [.text(t, subtype: "plain"), h])
        case (nil, let h?): body = h
        case (let t?, nil): body = .text(t, subtype: "plain")
        case (nil, nil): body = .text("", subtype: "plain")
        }
        let rest = (html == nil ? inline : []) + attached
        if !rest.isEmpty { body = .multipart(subtype: attachmentWrapper, [body] + rest.map { .attachment($0) }) }
        return body
    }

    /// Content-* header fields plus blank line plus body, CRLF-terminated.
    private func entity(_ node: Node) -> [UInt8] {
        switch node {
        case .multipart(let subtype, let children):
            let boundary = "=_hato_" + (0..<12).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            var out = Array("Content-Type: multipart/\(subtype);\r\n boundary=\"\(boundary)\"\r\n\r\n".utf8)
            for child in children {
                out += Array("--\(boundary)\r\n".utf8)
                out += entity(child)
                out += [ASCII.cr, ASCII.lf]
            }
            out += Array("--\(boundary)--\r\n".utf8)
            return out
        case .text(let text, let subtype):
            return textEntity(text, subtype: subtype)
        case .attachment(let a):
            return attachmentEntity(a)
        }
    }

    private func textEntity(_ text: String, subtype: String) -> [UInt8] {
        let normalized = MessageBuilder.crlfLines(text)
        var charset = "utf-8"
        var data = Array(normalized.utf8)
        if bodyCharset == .iso2022jp, let jis = ISO2022JP.encode(normalized) {
            charset = "ISO-2022-JP"
            data = jis
        } else if ByteText.isASCII(data) {
            charset = "us-ascii"
        }
        let longest = MessageBuilder.longestLine(data)
        let encoding: TransferEncoding
        if ByteText.isASCII(data) && longest <= MessageLimits.hardLineLength {
            encoding = .sevenBit
        } else if allow8bit && longest <= MessageLimits.hardLineLength && charset != "ISO-2022-JP" {
            encoding = .eightBit
        } else {
            let ascii = data.reduce(0) { $0 + ($1 < 0x80 ? 1 : 0) }
            encoding = ascii * 10 >= data.count * 8 ? .quotedPrintable : .base64
        }
        var out = Array("Content-Type: text/\(subtype); charset=\(charset)\r\nContent-Transfer-Encoding: \(encoding.rawValue)\r\n\r\n".utf8)
        out += MessageBuilder.encodeBody(data, encoding)
        return out
    }

    private func attachmentEntity(_ a: Attachment) -> [UInt8] {
        var out: [UInt8] = []
        var ct = HeaderFolder(name: "Content-Type")
        ct.append(a.contentType + (a.filename == nil ? "" : ";"))
        if let name = a.filename { appendNameParameter("name", name, to: &ct) }
        out += ct.finish()
        let isMessage = a.contentType.lowercased().hasPrefix("message/")
        let data = isMessage ? Array(MessageBuilder.crlfLines(String(decoding: a.data, as: UTF8.self)).utf8) : a.data
        let encoding: TransferEncoding = isMessage ? (ByteText.isASCII(data) ? .sevenBit : .eightBit) : .base64
        out += Array("Content-Transfer-Encoding: \(encoding.rawValue)\r\n".utf8)
        var cd = HeaderFolder(name: "Content-Disposition")
        cd.append((a.isInline ? "inline" : "attachment") + (a.filename == nil ? "" : ";"))
        if let name = a.filename {
            for p in MessageBuilder.rfc2231Parameters("filename", name) { cd.append(p) }
        }
        out += cd.finish()
        if let cid = a.contentID { out += Array("Content-ID: <\(cid)>\r\n".utf8) }
        out += [ASCII.cr, ASCII.lf]
        out += MessageBuilder.encodeBody(data, encoding)
        return out
    }

    /// name="..." for Content-Type: ASCII quoted, else encoded-words inside the quotes (not
    /// standard, but what most clients read; the RFC 2231 filename goes in Content-Disposition).
    private func appendNameParameter(_ attribute: String, _ value: String, to folder: inout HeaderFolder) {
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) && value.utf8.count < 60 {
            folder.append("\(attribute)=" + Mailbox.quote(value))
            return
        }
        var inner = HeaderFolder(name: "X")
        inner.appendEncoded(value, charset: headerCharset, separator: " ")
        let words = String(decoding: inner.finish(), as: UTF8.self).dropFirst(2)
            .split(whereSeparator: \.isWhitespace)
        for (k, w) in words.enumerated() {
            let prefix = k == 0 ? "\(attribute)=\"" : ""
            let suffix = k == words.count - 1 ? "\"" : ""
            folder.append(prefix + w + suffix)
        }
    }

    /// RFC 2231 §3-4: attribute*0*=UTF-8''%E6%97... continuations, each short enough to fold.
    static func rfc2231Parameters(_ attribute: String, _ value: String) -> [String] {
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) && value.utf8.count < 60 {
            return ["\(attribute)=" + Mailbox.quote(value)]
        }
        var chunks: [String] = []
        var current = ""
        for ch in value {
            var piece = ""
            for b in String(ch).utf8 {
                if (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == ASCII.dot || b == ASCII.hyphen || b == ASCII.underscore {
                    piece.append(Character(Unicode.Scalar(b)))
                } else {
                    piece += String(format: "%%%02X", b)
                }
            }
            if current.utf8.count + piece.utf8.count > 54 { chunks.append(current); current = "" }
            current += piece
        }
        if !current.isEmpty || chunks.isEmpty { chunks.append(current) }
        if chunks.count == 1 { return ["\(attribute)*=UTF-8''\(chunks[0])"] }
        return chunks.enumerated().map { k, c in
            "\(attribute)*\(k)*=" + (k == 0 ? "UTF-8''" : "") + c + (k == chunks.count - 1 ? "" : ";")
        }
    }

    static func encodeBody(_ data: [UInt8], _ encoding: TransferEncoding) -> [UInt8] {
        switch encoding {
        case .base64: return Base64.encode(data, lineLength: 76)
        case .quotedPrintable: return QuotedPrintable.encode(data)
        default: return data
        }
    }

    /// Every line ending (CRLF, LF, lone CR) as CRLF.
    static func crlfLines(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var previousCR = false
        for s in text.unicodeScalars {
            if s == "\r" { out += "\r\n"; previousCR = true; continue }
            if s == "\n" { if !previousCR { out += "\r\n" }; previousCR = false; continue }
            previousCR = false
            out.unicodeScalars.append(s)
        }
        return out
    }

    static func longestLine(_ data: [UInt8]) -> Int {
        var longest = 0, current = 0
        for b in data {
            if b == ASCII.lf { longest = max(longest, current); current = 0 } else if b != ASCII.cr { current += 1 }
        }
        return max(longest, current)
    }
}
