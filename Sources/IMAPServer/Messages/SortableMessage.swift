// One message as SORT and THREAD see it (RFC 5256 §2, §3; RFC 5957 §3): every key computed once
// from the stored summary, strings already mapped for i;unicode-casemap.
import Foundation
import MailMessage
import MailStore

struct SortableMessage: Sendable {
    /// Message sequence number: the order "in which they appear in the mailbox" that breaks
    /// every tie (RFC 5256 §3).
    var number: UInt32
    var uid: UInt32
    var modSeq: UInt64
    /// ARRIVAL: the internal date.
    var arrival: Date
    /// SIZE: RFC822.SIZE.
    var size: Int64
    /// DATE (RFC 5256 §2.2): the Date header, or the internal date when it is missing or cannot
    /// be parsed. `Date` is an instant, so time zones are already normalised.
    var sent: Date
    /// SUBJECT (RFC 5256 §2.1), and its key's octets (compared, never recomputed).
    var subject: BaseSubject
    var subjectKey: [UInt8]
    /// FROM, TO, CC: the addr-mailbox (local part) of the first address, casemapped.
    var from: [UInt8]
    var to: [UInt8]
    var cc: [UInt8]
    /// DISPLAYFROM, DISPLAYTO (RFC 5957 §3): the first address's decoded display name, or its
    /// addr-spec when the name is missing or empty, casemapped.
    var displayFrom: [UInt8]
    var displayTo: [UInt8]
    /// THREAD=REFERENCES: the Message-ID, and the references to link (RFC 5256 §3 REFERENCES
    /// step 1): References, or else the first In-Reply-To message ID; at most the last
    /// `maxReferences` of them.
    var messageID: String?
    var references: [String]

    /// `summary` nil: a message whose summary is missing and whose octets could not be read;
    /// it sorts as if every header were absent.
    init(message: StoredMessage, number: UInt32, summary: MessageSummary?, maxReferences: Int) {
        self.number = number
        uid = message.uid
        modSeq = message.modSeq
        arrival = message.internalDate
        size = message.size
        sent = summary?.date ?? message.internalDate
        let envelope = summary?.envelope
        subject = BaseSubject(rawSubject: Array((envelope?.subject ?? "").utf8))
        subjectKey = subject.octets
        from = UnicodeCasemap.key(Self.first(envelope?.from)?.mailbox ?? "")
        to = UnicodeCasemap.key(Self.first(envelope?.to)?.mailbox ?? "")
        cc = UnicodeCasemap.key(Self.first(envelope?.cc)?.mailbox ?? "")
        displayFrom = UnicodeCasemap.key(Self.display(Self.first(envelope?.from)))
        displayTo = UnicodeCasemap.key(Self.display(Self.first(envelope?.to)))
        messageID = summary?.messageID
        var references = summary?.references ?? []
        if references.isEmpty, let first = summary?.inReplyTo.first { references = [first] }
        // The closest ancestors are last; an overlong chain loses its oldest entries.
        self.references = Array(references.suffix(max(maxReferences, 0)))
    }

    /// The first address that is not a group marker (a group's members count, its name not).
    private static func first(_ list: [EnvelopeAddress]?) -> EnvelopeAddress? {
        list?.first { !$0.isGroupStart && !$0.isGroupEnd }
    }

    private static func display(_ address: EnvelopeAddress?) -> String {
        guard let address else { return "" }
        if let name = address.name {
            let decoded = RFC2047.decodeUnstructured(Array(name.utf8))
            if !decoded.allSatisfy(\.isWhitespace) { return decoded }
        }
        let mailbox = address.mailbox ?? ""
        guard let host = address.host, !host.isEmpty else { return mailbox }
        return mailbox + "@" + host
    }
}
