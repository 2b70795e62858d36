// Typed access to the fields RFC 5322 §3.6, RFC 2045 §3-8, RFC 2183 and RFC 3282 define.

import Foundation
extension HeaderSection {
    private func addresses(_ name: String) -> [Address] {
        fields(named: name).flatMap { AddressParser.parseList($0.unfoldedValue) }
    }

    /// Subject (RFC 5322 §3.6.5), RFC 2047 decoded.
    public var subject: String? { field("Subject")?.decodedValue }
    /// Date (RFC 5322 §3.6.1); nil when absent or unreadable.
    public var date: MessageDate? { field("Date").flatMap { MessageDate(parsing: $0.value) } }
    /// From (§3.6.2): mailbox-list.
    public var from: [Address] { addresses("From") }
    /// Sender (§3.6.2): a single mailbox.
    public var sender: Mailbox? { addresses("Sender").mailboxes.first }
    public var replyTo: [Address] { addresses("Reply-To") }
    public var to: [Address] { addresses("To") }
    public var cc: [Address] { addresses("Cc") }
    public var bcc: [Address] { addresses("Bcc") }
    /// Message-ID (§3.6.4) without angle brackets.
    public var messageID: String? { field("Message-ID").flatMap { MessageIDParser.parse($0.unfoldedValue).first } }
    public var inReplyTo: [String] { field("In-Reply-To").map { MessageIDParser.parse($0.unfoldedValue) } ?? [] }
    public var references: [String] { fields(named: "References").flatMap { MessageIDParser.parse($0.unfoldedValue) } }
    /// Return-Path (§3.6.7): the path without angle brackets; "" for the null path "<>".
    public var returnPath: String? {
        guard let v = field("Return-Path")?.value else { return nil }
        let trimmed = v.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("<"), let close = trimmed.firstIndex(of: ">") {
            return String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
        }
        return trimmed
    }
    /// Received (§3.6.7) values, unfolded, newest first as they appear.
    public var received: [String] { fields(named: "Received").map(\.value) }
    /// MIME-Version (RFC 2045 §4), comments removed.
    public var mimeVersion: String? {
        guard let v = field("MIME-Version")?.value else { return nil }
        var out = ""
        var depth = 0
        for ch in v {
            if ch == "(" { depth += 1 } else if ch == ")" { depth = max(0, depth - 1) } else if depth == 0 && ch != " " { out.append(ch) }
        }
        return out
    }
    /// Content-Type as written; nil when absent or unreadable (see MIMEPart.contentType for the effective one).
    public var contentType: ContentType? { field("Content-Type").flatMap { ContentType(headerValue: $0.unfoldedValue) } }
    public var contentTransferEncoding: TransferEncoding? { field("Content-Transfer-Encoding").map { TransferEncoding(headerValue: $0.value) } }
    public var contentDisposition: ContentDisposition? { field("Content-Disposition").flatMap { ContentDisposition(headerValue: $0.unfoldedValue) } }
    /// Content-ID (RFC 2045 §7) without angle brackets.
    public var contentID: String? { field("Content-ID").flatMap { MessageIDParser.parse($0.unfoldedValue).first } }
    /// Content-Description (RFC 2045 §8), RFC 2047 decoded.
    public var contentDescription: String? { field("Content-Description")?.decodedValue }
    /// Content-Language (RFC 3282): language tags.
    public var contentLanguage: [String] {
        guard let v = field("Content-Language")?.value else { return [] }
        return v.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).map(String.init)
    }
    /// Content-Location (RFC 2557 §4.2), whitespace from folding removed.
    public var contentLocation: String? { field("Content-Location").map { $0.value.filter { !$0.isWhitespace } } }
}
