// FETCH message data items for one message (RFC 9051 §6.4.5, §7.5.2; RFC 3501 RFC822 forms;
// RFC 3516 BINARY; RFC 7162 MODSEQ). Pure: the session supplies the message, its bytes and state.
import Foundation
import IMAPProtocol
import MailMessage
import MailStore
import NIOCore

/// Why a FETCH fails as a whole (the session answers tagged NO).
enum FetchFailure: Error, Equatable {
    /// BINARY/BINARY.SIZE on a part whose Content-Transfer-Encoding is unknown:
    /// `NO [UNKNOWN-CTE]` (RFC 3516 §4.3).
    case unknownCTE(part: [Int])
}

struct FetchResponder: Sendable {
    /// CONDSTORE/QRESYNC is enabled for the session.
    let includeModSeq: Bool
    /// The zone INTERNALDATE is shown in (the server's); SEARCH uses the same.
    let timeZone: TimeZone
    /// Parser caps for messages parsed here (`limits.max_mime_parts` ...), as at delivery.
    let messageLimits: MessageLimits

    /// includeModSeq: CONDSTORE/QRESYNC enabled for the session (RFC 7162 §3.1.4.1: MODSEQ in FETCH responses).
    init(includeModSeq: Bool, timeZone: TimeZone = .current, messageLimits: MessageLimits = .default) {
        self.includeModSeq = includeModSeq
        self.timeZone = timeZone
        self.messageLimits = messageLimits
    }

    /// Whether the message octets are needed: any BODY[...], BINARY..., RFC822, RFC822.HEADER,
    /// RFC822.TEXT, PREVIEW (computed from the text part, RFC 8970 §3.1).
    static func needsBody(_ attributes: [IMAPFetchAttribute]) -> Bool {
        attributes.contains { a in
            switch a {
            case .bodySection, .binary, .binarySize, .rfc822, .rfc822Header, .rfc822Text, .preview: return true
            default: return false
            }
        }
    }

    /// Like `needsBody(_:)`, and also true when ENVELOPE/BODY/BODYSTRUCTURE is asked of a message
    /// stored without a summary (those are then computed from the octets).
    static func needsBody(_ attributes: [IMAPFetchAttribute], message: StoredMessage) -> Bool {
        if needsBody(attributes) { return true }
        guard message.summary == nil else { return false }
        return attributes.contains { $0 == .envelope || $0 == .body || $0 == .bodyStructure }
    }

    /// True when a non-PEEK BODY[...]/BINARY[...]/RFC822/RFC822.TEXT is asked: the session sets \Seen first
    /// (store.setFlags) and makes sure FLAGS is in the response (RFC 9051 §6.4.5).
    static func marksSeen(_ attributes: [IMAPFetchAttribute]) -> Bool {
        attributes.contains { a in
            switch a {
            case .bodySection(_, _, let peek), .binary(_, _, let peek): return !peek
            case .rfc822, .rfc822Text: return true
            default: return false
            }
        }
    }

    /// The FETCH items for one message, in the order asked (UID added first when `uid` is true, for UID FETCH).
    /// `body` is the full message octets, non-nil whenever needsBody was true.
    ///
    /// With CONDSTORE/QRESYNC enabled, MODSEQ (and UID) are added when FLAGS is returned or the
    /// FETCH sets \Seen (RFC 7162 §3.1, §3.2.4), so the client's cache stays consistent.
    func items(for message: StoredMessage, attributes: [IMAPFetchAttribute], uid: Bool, body: [UInt8]?) throws(FetchFailure) -> [IMAPFetchItem] {
        var out: [IMAPFetchItem] = []
        out.reserveCapacity(attributes.count + 2)
        let setsSeen = FetchResponder.marksSeen(attributes)
        let addUID = uid || (includeModSeq && setsSeen)
        let addModSeq = includeModSeq && (setsSeen || attributes.contains(.flags))
        if addUID { out.append(.uid(message.uid)) }
        if addModSeq && !attributes.contains(.modSeq) { out.append(.modSeq(message.modSeq)) }

        var summaryCache: MessageSummary?? = nil
        func summary() -> MessageSummary? {
            if let summaryCache { return summaryCache }
            let s = StoredSummary.summary(of: message, body: body, limits: messageLimits)
            summaryCache = .some(s)
            return s
        }
        var sections = body.map { FetchSections(bytes: $0, limits: messageLimits, summary: summary) }

        for attribute in attributes {
            switch attribute {
            case .uid:
                if !addUID { out.append(.uid(message.uid)) }
            case .modSeq:
                out.append(.modSeq(message.modSeq))
            case .flags:
                out.append(.flags(message.flags.names))
            case .internalDate:
                out.append(.internalDate(MailboxClock.dateTime(message.internalDate, in: timeZone)))
            case .rfc822Size:
                out.append(.rfc822Size(UInt64(max(0, message.size))))
            case .envelope:
                out.append(.envelope(summary().map { IMAPEnvelope($0.envelope) } ?? IMAPEnvelope()))
            case .body:
                out.append(.body(IMAPBodyStructure(summary()?.bodyStructure ?? FetchResponder.emptyBody)))
            case .bodyStructure:
                out.append(.bodyStructure(IMAPBodyStructure(summary()?.bodyStructure ?? FetchResponder.emptyBody)))
            case .bodySection(let section, let partial, _):
                let data = sections?.data(section).map { FetchSections.apply(partial, to: $0) }
                out.append(.bodySection(section, origin: partial?.offset, data: data.map { ByteBuffer(bytes: $0) }))
            case .binary(let part, let partial, _):
                switch sections?.binary(part) {
                case .data(let decoded):
                    out.append(.binary(part: part, origin: partial?.offset,
                                       data: ByteBuffer(bytes: FetchSections.apply(partial, to: decoded[...]))))
                case .unknownEncoding: throw .unknownCTE(part: part)
                case .missing, nil: out.append(.binary(part: part, origin: partial?.offset, data: nil))
                }
            case .binarySize(let part):
                switch sections?.binary(part) {
                case .data(let decoded): out.append(.binarySize(part: part, UInt64(decoded.count)))
                case .unknownEncoding: throw .unknownCTE(part: part)
                case .missing, nil: out.append(.binarySize(part: part, 0))
                }
            case .rfc822:
                out.append(.rfc822(sections?.data(.whole).map { ByteBuffer(bytes: $0) }))
            case .rfc822Header:
                out.append(.rfc822Header(sections?.data(IMAPSection(text: .header)).map { ByteBuffer(bytes: $0) }))
            case .rfc822Text:
                out.append(.rfc822Text(sections?.data(IMAPSection(text: .text)).map { ByteBuffer(bytes: $0) }))
            case .saveDate:
                // RFC 8514 §3: NIL when the save date is unknown.
                out.append(.saveDate(message.savedDate.map { MailboxClock.dateTime($0, in: timeZone) }))
            case .emailID:
                out.append(.emailID(ObjectIDs.email(message)))
            case .threadID:
                // RFC 8474 §5.2: NIL, thread IDs are not kept (THREAD computes threads per command).
                out.append(.threadID(nil))
            case .preview:
                // RFC 8970 §3.2: computed at once, LAZY or not, so never NIL; "" for no text.
                out.append(.preview(body.map { MIMEMessage(parsing: $0, limits: messageLimits).preview() } ?? ""))
            }
        }
        return out
    }

    /// What an empty message is described as when neither a summary nor the octets are at hand.
    private static let emptyBody = MessageSummary(parsing: [UInt8]()).bodyStructure
}
