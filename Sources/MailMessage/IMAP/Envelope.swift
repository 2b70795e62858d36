// IMAP ENVELOPE (RFC 9051 §7.5.2) computed from a header section.

/// One address structure of an IMAP envelope: (name adl mailbox host).
/// Group syntax (RFC 9051 §7.5.2): a start marker has `host == nil` and the group name in
/// `mailbox`; the end marker has every field nil.
public struct EnvelopeAddress: Sendable, Equatable, Hashable, Codable {
    public var name: String?
    public var adl: String?
    public var mailbox: String?
    public var host: String?

    public init(name: String?, adl: String?, mailbox: String?, host: String?) {
        self.name = name
        self.adl = adl
        self.mailbox = mailbox
        self.host = host
    }

    public var isGroupStart: Bool { host == nil && mailbox != nil }
    public var isGroupEnd: Bool { name == nil && adl == nil && mailbox == nil && host == nil }
}

/// The IMAP ENVELOPE of a message. Strings are the header values as written, unfolded, with
/// RFC 2047 encoded-words left for the client to decode, as IMAP specifies.
public struct Envelope: Sendable, Equatable, Codable {
    public var date: String?
    public var subject: String?
    public var from: [EnvelopeAddress]
    public var sender: [EnvelopeAddress]
    public var replyTo: [EnvelopeAddress]
    public var to: [EnvelopeAddress]
    public var cc: [EnvelopeAddress]
    public var bcc: [EnvelopeAddress]
    public var inReplyTo: String?
    public var messageID: String?

    public init(date: String? = nil, subject: String? = nil, from: [EnvelopeAddress] = [], sender: [EnvelopeAddress] = [],
                replyTo: [EnvelopeAddress] = [], to: [EnvelopeAddress] = [], cc: [EnvelopeAddress] = [],
                bcc: [EnvelopeAddress] = [], inReplyTo: String? = nil, messageID: String? = nil) {
        self.date = date; self.subject = subject; self.from = from; self.sender = sender; self.replyTo = replyTo
        self.to = to; self.cc = cc; self.bcc = bcc; self.inReplyTo = inReplyTo; self.messageID = messageID
    }

    /// env-sender and env-reply-to default to env-from when absent or empty (RFC 9051 §7.5.2).
    public init(header: HeaderSection) {
        func raw(_ name: String) -> String? {
            guard let f = header.field(name) else { return nil }
            return ByteText.string(f.unfoldedValue)
        }
        func list(_ name: String) -> [EnvelopeAddress] {
            let addresses = header.fields(named: name).flatMap { AddressParser.parseList($0.unfoldedValue) }
            return Envelope.structures(addresses)
        }
        let from = list("From")
        var sender = list("Sender")
        var replyTo = list("Reply-To")
        if sender.isEmpty { sender = from }
        if replyTo.isEmpty { replyTo = from }
        self.init(date: raw("Date"), subject: raw("Subject"), from: from, sender: sender, replyTo: replyTo,
                  to: list("To"), cc: list("Cc"), bcc: list("Bcc"), inReplyTo: raw("In-Reply-To"), messageID: raw("Message-ID"))
    }

    /// Address structures for an address list, groups bracketed by start and end markers.
    /// A missing local part or domain becomes "MISSING_MAILBOX" / "MISSING_DOMAIN" (as Dovecot
    /// does), so that a NIL host never masquerades as group syntax.
    static func structures(_ addresses: [Address]) -> [EnvelopeAddress] {
        var out: [EnvelopeAddress] = []
        func mailbox(_ m: Mailbox) -> EnvelopeAddress {
            let adl = m.route.isEmpty ? nil : m.route.map { "@" + $0 }.joined(separator: ",")
            let name = (m.rawDisplayName?.isEmpty ?? true) ? nil : m.rawDisplayName
            return EnvelopeAddress(name: name, adl: adl, mailbox: m.localPart.isEmpty ? "MISSING_MAILBOX" : m.localPart,
                                   host: m.domain ?? "MISSING_DOMAIN")
        }
        for a in addresses {
            switch a {
            case .mailbox(let m): out.append(mailbox(m))
            case .group(let g):
                out.append(EnvelopeAddress(name: nil, adl: nil, mailbox: g.rawDisplayName, host: nil))
                out += g.members.map(mailbox)
                out.append(EnvelopeAddress(name: nil, adl: nil, mailbox: nil, host: nil))
            }
        }
        return out
    }
}
