/// The address structure of an ENVELOPE (RFC 9051 §7.5.2): (name adl mailbox host).
/// Group start: `host == nil`, group name in `mailbox`; group end: all nil.
public struct IMAPAddress: Sendable, Equatable, Hashable {
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
}

/// envelope (RFC 9051 §7.5.2, §9). Empty address lists are sent as NIL.
public struct IMAPEnvelope: Sendable, Equatable {
    public var date: String?
    public var subject: String?
    public var from: [IMAPAddress]
    public var sender: [IMAPAddress]
    public var replyTo: [IMAPAddress]
    public var to: [IMAPAddress]
    public var cc: [IMAPAddress]
    public var bcc: [IMAPAddress]
    public var inReplyTo: String?
    public var messageID: String?

    public init(date: String? = nil, subject: String? = nil, from: [IMAPAddress] = [], sender: [IMAPAddress] = [],
                replyTo: [IMAPAddress] = [], to: [IMAPAddress] = [], cc: [IMAPAddress] = [], bcc: [IMAPAddress] = [],
                inReplyTo: String? = nil, messageID: String? = nil) {
        self.date = date; self.subject = subject; self.from = from; self.sender = sender; self.replyTo = replyTo
        self.to = to; self.cc = cc; self.bcc = bcc; self.inReplyTo = inReplyTo; self.messageID = messageID
    }
}

/// body-fld-param entries, in order.
public struct IMAPBodyParameter: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// body = "(" (body-type-1part / body-type-mpart) ")"      (RFC 9051 §9)
/// Field for field like MailMessage's `BodyStructure`, so mapping is one line per field.
public indirect enum IMAPBodyStructure: Sendable, Equatable {
    case singlePart(SinglePart)
    case multipart(Multipart)

    /// body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
    public struct SinglePart: Sendable, Equatable {
        public var type: String
        public var subtype: String
        public var parameters: [IMAPBodyParameter]
        public var id: String?
        public var description: String?
        /// body-fld-enc, e.g. "7BIT", "BASE64".
        public var encoding: String
        public var octets: Int
        /// body-fld-lines: sent for text/* and message/rfc822 (0 when nil there).
        public var lines: Int?
        /// message/rfc822 and message/global: envelope and body of the encapsulated message.
        public var message: EncapsulatedMessage?
        public var md5: String?
        public var disposition: Disposition?
        public var language: [String]?
        public var location: String?

        public init(type: String, subtype: String, parameters: [IMAPBodyParameter] = [], id: String? = nil,
                    description: String? = nil, encoding: String = "7BIT", octets: Int, lines: Int? = nil,
                    message: EncapsulatedMessage? = nil, md5: String? = nil, disposition: Disposition? = nil,
                    language: [String]? = nil, location: String? = nil) {
            self.type = type; self.subtype = subtype; self.parameters = parameters; self.id = id
            self.description = description; self.encoding = encoding; self.octets = octets; self.lines = lines
            self.message = message; self.md5 = md5; self.disposition = disposition; self.language = language
            self.location = location
        }
    }

    /// body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
    public struct Multipart: Sendable, Equatable {
        public var parts: [IMAPBodyStructure]
        public var subtype: String
        public var parameters: [IMAPBodyParameter]
        public var disposition: Disposition?
        public var language: [String]?
        public var location: String?

        public init(parts: [IMAPBodyStructure], subtype: String, parameters: [IMAPBodyParameter] = [],
                    disposition: Disposition? = nil, language: [String]? = nil, location: String? = nil) {
            self.parts = parts; self.subtype = subtype; self.parameters = parameters
            self.disposition = disposition; self.language = language; self.location = location
        }
    }

    /// body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
    public struct EncapsulatedMessage: Sendable, Equatable {
        public var envelope: IMAPEnvelope
        public var body: IMAPBodyStructure

        public init(envelope: IMAPEnvelope, body: IMAPBodyStructure) {
            self.envelope = envelope
            self.body = body
        }
    }

    /// body-fld-dsp = "(" string SP body-fld-param ")" / nil
    public struct Disposition: Sendable, Equatable {
        public var type: String
        public var parameters: [IMAPBodyParameter]

        public init(type: String, parameters: [IMAPBodyParameter] = []) {
            self.type = type
            self.parameters = parameters
        }
    }
}
