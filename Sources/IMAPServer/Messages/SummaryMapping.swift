// MailMessage's ENVELOPE and BODYSTRUCTURE (computed at delivery) as IMAPProtocol values for
// the response encoder: field for field (RFC 9051 §7.5.2).
import IMAPProtocol
import MailMessage

extension IMAPEnvelope {
    init(_ e: Envelope) {
        func addresses(_ list: [EnvelopeAddress]) -> [IMAPAddress] {
            list.map { IMAPAddress(name: $0.name, adl: $0.adl, mailbox: $0.mailbox, host: $0.host) }
        }
        self.init(date: e.date, subject: e.subject, from: addresses(e.from), sender: addresses(e.sender),
                  replyTo: addresses(e.replyTo), to: addresses(e.to), cc: addresses(e.cc), bcc: addresses(e.bcc),
                  inReplyTo: e.inReplyTo, messageID: e.messageID)
    }
}

extension IMAPBodyStructure {
    init(_ body: BodyStructure) {
        func parameters(_ list: [MIMEParameter]) -> [IMAPBodyParameter] {
            list.map { IMAPBodyParameter(name: $0.name, value: $0.value) }
        }
        func disposition(_ d: BodyStructure.Disposition?) -> Disposition? {
            d.map { Disposition(type: $0.type, parameters: parameters($0.parameters)) }
        }
        switch body {
        case .multipart(let m):
            self = .multipart(Multipart(parts: m.parts.map(IMAPBodyStructure.init), subtype: m.subtype,
                                        parameters: parameters(m.parameters), disposition: disposition(m.disposition),
                                        language: m.language, location: m.location))
        case .singlePart(let s):
            let message = s.message.map { EncapsulatedMessage(envelope: IMAPEnvelope($0.envelope), body: IMAPBodyStructure($0.body)) }
            self = .singlePart(SinglePart(type: s.type, subtype: s.subtype, parameters: parameters(s.parameters), id: s.id,
                                          description: s.description, encoding: s.encoding, octets: s.octets, lines: s.lines,
                                          message: message, md5: s.md5, disposition: disposition(s.disposition),
                                          language: s.language, location: s.location))
        }
    }
}
