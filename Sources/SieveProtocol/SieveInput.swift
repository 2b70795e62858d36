import Foundation
import MailMessage

/// What a script runs on: the message parsed once at reception, its envelope, and what the
/// account has (for RFC 5490 mailboxexists).
public struct SieveInput: Sendable {
    /// The top-level header as it will be stored (trace fields included).
    public var header: HeaderSection
    public var message: MIMEMessage
    /// RFC 5228 §5.9: the message size in octets.
    public var size: Int
    /// The envelope sender without brackets; "" for the null reverse-path.
    public var envelopeFrom: String
    /// The envelope recipient this run is for.
    public var envelopeTo: String
    public var mailboxes: Set<String>
    /// RFC 5260 §5 currentdate: the time the script runs (fixed for the whole run).
    public var now = Date()
    /// The server's local zone in minutes east of UTC: the zone of `date`/`currentdate` without
    /// `:zone` or `:originalzone` (RFC 5260 §4.1).
    public var localZoneMinutes = TimeZone.current.secondsFromGMT() / 60
    /// RFC 7352: whether an id (handle, NUL, unique id) is tracked for the account; nil: nothing is.
    public var duplicateSeen: (@Sendable (String) -> Bool)?
    /// RFC 5235: what spamtest and virustest report (not tested unless the delivery fills it in).
    public var assessment = SieveAssessment()
    /// RFC 5183 §4.1 environment items by lowercase name ("domain", "host", "location", "name",
    /// "phase", "remote-host", "remote-ip", "version"); a missing one makes the test false.
    public var environment: [String: String] = [:]

    public init(header: HeaderSection, message: MIMEMessage, size: Int, envelopeFrom: String, envelopeTo: String,
                mailboxes: Set<String> = ["INBOX"]) {
        self.header = header
        self.message = message
        self.size = size
        self.envelopeFrom = envelopeFrom
        self.envelopeTo = envelopeTo
        self.mailboxes = mailboxes
    }

    public init(received: ReceivedMessage, envelopeFrom: String, envelopeTo: String, mailboxes: Set<String> = ["INBOX"]) {
        self.init(header: received.header, message: received.parsed, size: received.bytes.count,
                  envelopeFrom: envelopeFrom, envelopeTo: envelopeTo, mailboxes: mailboxes)
    }

    /// RFC 5228 §5.7: the named fields' values, encoded words decoded (RFC 2047), white space trimmed.
    /// With `index`, only that occurrence of the field (RFC 5260 §6).
    func headerValues(_ name: String, index: SieveFieldIndex? = nil) -> [String] {
        fields(name, index).map { $0.decodedValue.trimmingWhiteSpace }
    }

    private func fields(_ name: String, _ index: SieveFieldIndex?) -> [HeaderField] {
        let all = header.fields(named: name)
        return index?.select(all) ?? all
    }

    /// Each address in the named fields (RFC 5228 §5.1), as (local part, domain).
    func addresses(_ name: String, index: SieveFieldIndex? = nil) -> [(local: String, domain: String?)] {
        fields(name, index).flatMap { field in
            AddressParser.parseList(field.unfoldedValue).mailboxes.map { ($0.localPart, $0.domain) }
        }
    }

    /// RFC 5173 §5: the body under a transform, one text per part looked at, each at most `limit` octets.
    func bodyTexts(_ transform: SieveBodyTransform, limit: Int) -> [String] {
        switch transform {
        case .raw:
            let raw = message.rawBody(of: message.root).prefix(limit)
            return [String(decoding: raw, as: UTF8.self)]
        case .text:
            // Every text part decoded from its transfer encoding and charset, HTML as plain text
            // (MailMessage's one rendering, also used by IMAP SEARCH TEXT).
            let text = message.decodedText
            return [String(text.utf8.prefix(limit)) ?? String(text.prefix(limit))]
        case .content(let types):
            return message.root.allParts.filter { $0.isLeaf && Self.contentMatches($0.contentType, types) }.map { part in
                let text = message.text(of: part)?.text ?? String(decoding: message.decodedBody(of: part), as: UTF8.self)
                return String(text.utf8.prefix(limit)) ?? String(text.prefix(limit))
            }
        }
    }

    /// RFC 5173 §5.2: "" matches every part, "text" every text/*, "text/plain" that type only.
    private static func contentMatches(_ type: ContentType, _ wanted: [String]) -> Bool {
        wanted.contains { item in
            let lower = item.lowercased()
            if lower.isEmpty { return true }
            if lower.contains("/") { return lower == "\(type.type)/\(type.subtype)".lowercased() }
            return lower == type.type.lowercased()
        }
    }
}

extension String {
    var trimmingWhiteSpace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
