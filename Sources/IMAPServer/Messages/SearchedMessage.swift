// One message as SEARCH sees it: decoded header values, decoded body text and the sent date,
// each computed at most once and only when a key asks (RFC 9051 §6.4.4).
import Foundation
import IMAPProtocol
import MailMessage
import MailStore

/// Lives for one evaluation of one message; never shared between threads.
final class SearchedMessage {
    let message: StoredMessage
    let body: [UInt8]?
    /// Parser caps (`limits.max_header_fields`, `max_mime_parts` ...), as at delivery.
    let limits: MessageLimits

    /// The summary's values folded beforehand (`MessageFactsCache`), used when the octets are not read.
    let facts: SearchFacts?

    init(message: StoredMessage, body: [UInt8]?, limits: MessageLimits = .default, facts: SearchFacts? = nil) {
        self.message = message
        self.body = body
        self.limits = limits
        self.facts = facts
    }

    /// The stored summary (never parsed from the body here: with the body, the header is read directly).
    private lazy var summary: MessageSummary? = StoredSummary.decoded(message)

    private lazy var topHeader: HeaderSection? = body.map { HeaderSection.parse($0, limits: limits).section }

    /// Case-folded, RFC 2047-decoded values of the fields called `name` (lowercase); nil when
    /// neither the octets nor (for envelope fields) the summary are at hand.
    func headerValues(_ name: [UInt8]) -> [[UInt8]]? {
        if let header = topHeader {
            let name = String(decoding: name, as: UTF8.self)
            let fields = header.fields.filter { $0.hasName(name) }
            if ["from", "to", "cc", "bcc"].contains(name) {
                // As the summary's envelope has them (below): parsed, so that a name in a quoted
                // string or a comment is decoded too.
                return SearchedMessage.addressText(fields.flatMap { AddressParser.parseList($0.unfoldedValue) })
            }
            return fields.map { SearchText.fold($0.decodedValue) }
        }
        if let facts { return facts.values(name) }
        guard let summary else { return nil }
        let envelope = summary.envelope
        switch String(decoding: name, as: UTF8.self) {
        case "subject": return Self.subjectText(summary)
        case "from": return SearchedMessage.addressText(envelope.from)
        case "to": return SearchedMessage.addressText(envelope.to)
        case "cc": return SearchedMessage.addressText(envelope.cc)
        case "bcc": return SearchedMessage.addressText(envelope.bcc)
        default: return nil
        }
    }

    /// Every header field as "name: decoded value" lines, folded (SEARCH TEXT).
    lazy var headerText: [UInt8]? = {
        guard let header = topHeader else { return nil }
        var out: [UInt8] = []
        for field in header.fields {
            out += Array(field.name.utf8)
            out += Array(": ".utf8)
            out += Array(field.decodedValue.utf8)
            out.append(0x0A)
        }
        return SearchText.fold(String(decoding: out, as: UTF8.self))
    }()

    /// The text of every text part, transfer-decoded, converted from its charset, HTML reduced
    /// to text, folded (SEARCH BODY / TEXT). The MIME tree is parsed here, once.
    lazy var bodyText: [UInt8]? = body.map { SearchText.fold(MIMEMessage(parsing: $0, limits: limits).decodedText) }

    /// The calendar date of the Date header in its own zone (SENTBEFORE/SENTON/SENTSINCE);
    /// nil when the header is missing or unreadable.
    lazy var sentDate: IMAPDate? = {
        if let header = topHeader {
            return Self.calendarDate(header.field("Date").map { String(decoding: $0.unfoldedValue, as: UTF8.self) })
        }
        if let facts { return facts.sentDate }
        return Self.calendarDate(summary?.envelope.date)
    }()

    static func calendarDate(_ raw: String?) -> IMAPDate? {
        raw.flatMap(MessageDate.init(parsing:)).map { MailboxClock.calendarDate($0) }
    }

    static func subjectText(_ summary: MessageSummary) -> [[UInt8]] {
        summary.subject.map { [SearchText.fold($0)] } ?? []
    }

    /// Parsed addresses as the envelope's text below: "name <address>" and each group's name.
    private static func addressText(_ list: [Address]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        func mailbox(_ m: MailMessage.Mailbox) -> [UInt8] {
            SearchText.fold((m.displayName.map { $0 + " " } ?? "") + "<\(m.localPart)@\(m.domain ?? "")>")
        }
        for address in list {
            switch address {
            case .mailbox(let m): out.append(mailbox(m))
            case .group(let g): out += [SearchText.fold(g.displayName)] + g.members.map(mailbox)
            }
        }
        return out
    }

    /// Envelope addresses as "name <mailbox@host>", one string each, and each group's name,
    /// encoded-words decoded, folded: RFC 9051 §6.4.4 FROM/TO/CC/BCC match "the specified string
    /// in the envelope structure's" field, display names and group names included (the octets'
    /// path, `decodedValue` of the whole field, sees the same text).
    static func addressText(_ list: [EnvelopeAddress]) -> [[UInt8]] {
        list.filter { !$0.isGroupEnd }.map { a in
            if a.isGroupStart { return SearchText.fold(RFC2047.decodeUnstructured(Array((a.mailbox ?? "").utf8))) }
            var s = ""
            if let name = a.name { s += RFC2047.decodeUnstructured(Array(name.utf8)) + " " }
            s += "<\(a.mailbox ?? "")@\(a.host ?? "")>"
            return SearchText.fold(s)
        }
    }
}

/// Case-insensitive substring matching on decoded text (RFC 9051 §6.4.4: "case-insensitive
/// substring"): both sides lowercased with Unicode rules, then compared as UTF-8.
enum SearchText {
    static func fold(_ s: String) -> [UInt8] {
        var bytes = Array(s.utf8)
        // ASCII (most mail text): lowercase the bytes in place, as lowercased() would, in one
        // pass over the buffer (element by element through the array's checks it was about 12
        // instructions per octet of every body SEARCH BODY reads: docs/PERFORMANCE.md
        // 2026-12-06 night).
        let ascii = bytes.withUnsafeMutableBufferPointer { buffer -> Bool in
            var high: UInt8 = 0
            for i in 0..<buffer.count {
                let byte = buffer[i]
                high |= byte
                buffer[i] = byte &+ ((byte &- 0x41) < 26 ? 0x20 : 0)
            }
            return high < 0x80
        }
        guard ascii else { return Array(s.lowercased().utf8) }
        return bytes
    }

    /// Whether `needle` occurs in `haystack`. The C library's memchr finds each candidate
    /// first byte (vectorized) and memcmp checks the rest: a byte-at-a-time loop was 16% of the
    /// CPU of SEARCH BODY over text where the needle's first bytes recur on every line
    /// (docs/PERFORMANCE.md, issue 24).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        let n = needle.count
        guard haystack.count >= n else { return false }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { nd in
                guard let hb = h.baseAddress, let nb = nd.baseAddress else { return false }
                let last = h.count - n  // the last position a match can start at
                var start = 0
                while start <= last {
                    guard let hit = memchr(hb + start, Int32(first), last - start + 1) else { return false }
                    let i = hb.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if n == 1 || memcmp(hb + i + 1, nb + 1, n - 1) == 0 { return true }
                    start = i + 1
                }
                return false
            }
        }
    }
}
