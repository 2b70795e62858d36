import MailCore

/// BODY (RFC 6152 §2, RFC 3030 §3): body-value = "7BIT" / "8BITMIME" / "BINARYMIME"
public enum SMTPBodyType: String, Sendable, Hashable {
    case sevenBit = "7BIT"
    case eightBitMIME = "8BITMIME"
    /// Only with BDAT (RFC 3030 §3: DATA after BODY=BINARYMIME is a 503).
    case binaryMIME = "BINARYMIME"
}

/// RET (RFC 3461 §4.3): ret-value = "FULL" / "HDRS"
public enum SMTPDSNReturn: String, Sendable, Hashable {
    case full = "FULL"
    case headers = "HDRS"
}

/// AUTH= on MAIL (RFC 4954 §5): who submitted the message, or "<>" for unknown.
public enum SMTPAuthParameter: Sendable, Hashable {
    case unknown
    case mailbox(SMTPMailbox)
}

/// The MAIL FROM parameters Hato understands. Each is accepted only while its extension is
/// offered; any other keyword is a 555 (RFC 5321 §4.1.1.11).
public struct SMTPMailParameters: Sendable, Hashable {
    /// SIZE=1*20DIGIT (RFC 1870 §6); a value beyond Int.max reads as Int.max.
    public var size: Int?
    public var body: SMTPBodyType?
    /// SMTPUTF8 (RFC 6531 §3.4).
    public var smtpUTF8 = false
    public var ret: SMTPDSNReturn?
    /// ENVID, xtext-decoded (RFC 3461 §4.4).
    public var envelopeID: String?
    public var auth: SMTPAuthParameter?
    /// REQUIRETLS (RFC 8689 §2): the message must only travel over validated TLS.
    public var requireTLS = false

    public init(
        size: Int? = nil, body: SMTPBodyType? = nil, smtpUTF8: Bool = false, ret: SMTPDSNReturn? = nil,
        envelopeID: String? = nil, auth: SMTPAuthParameter? = nil
    ) {
        self.size = size
        self.body = body
        self.smtpUTF8 = smtpUTF8
        self.ret = ret
        self.envelopeID = envelopeID
        self.auth = auth
    }

    init(_ raw: [SMTPRawParameter], extensions: SMTPExtensions) throws(SMTPError) {
        for parameter in raw {
            switch parameter.keyword {
            case "SIZE" where extensions.contains(.size):
                // size-value ::= 1*20DIGIT  (RFC 1870 §6)
                var reader = SMTPGrammarReader(try parameter.requiredValue())
                guard let value = reader.number(maxDigits: SMTPLimits.maxSizeDigits, saturating: true), reader.atEnd else {
                    throw parameter.badValue()
                }
                size = value
            case "BODY" where extensions.contains(.eightBitMIME) || extensions.contains(.binaryMIME):
                guard let value = SMTPBodyType(rawValue: try parameter.keywordValue()) else { throw parameter.badValue() }
                if value == .binaryMIME, !extensions.contains(.binaryMIME) { throw parameter.notRecognized().withMessage("BODY=BINARYMIME not supported") }
                body = value
            case "SMTPUTF8" where extensions.contains(.smtpUTF8):
                try parameter.noValue()
                smtpUTF8 = true
            case "RET" where extensions.contains(.dsn):
                guard let value = SMTPDSNReturn(rawValue: try parameter.keywordValue()) else { throw parameter.badValue() }
                ret = value
            case "ENVID" where extensions.contains(.dsn):
                // envid-parameter = "ENVID=" xtext; printable US-ASCII before encoding (RFC 3461 §4.4)
                let decoded = try parameter.xtextValue(maxLength: SMTPLimits.maxEnvelopeIDLength)
                guard decoded.allSatisfy({ (32...126).contains($0) }) else { throw parameter.badValue() }
                envelopeID = String(decoding: decoded, as: UTF8.self)
            case "AUTH" where extensions.contains(.auth):
                // "AUTH=" ( "<>" / xtext-encoded Mailbox )  (RFC 4954 §5)
                let decoded = try parameter.xtextValue(maxLength: SMTPLimits.minimumPathLength * 3)
                if decoded == Array("<>".utf8) {
                    auth = .unknown
                } else {
                    var reader = SMTPGrammarReader(decoded, utf8Allowed: extensions.contains(.smtpUTF8))
                    guard let mailbox = try? reader.mailbox(parameter.badValue()), reader.atEnd else { throw parameter.badValue() }
                    auth = .mailbox(mailbox)
                }
            case "REQUIRETLS" where extensions.contains(.requireTLS):
                // requiretls-param = "REQUIRETLS", no esmtp-value (RFC 8689 §2)
                try parameter.noValue()
                requireTLS = true
            default:
                throw parameter.notRecognized()
            }
        }
    }
}

/// The RCPT TO parameters Hato understands (RFC 3461 §4.1, §4.2).
public struct SMTPRcptParameters: Sendable, Hashable {
    public var notify: DSNNotify?
    public var originalRecipient: OriginalRecipient?

    public init(notify: DSNNotify? = nil, originalRecipient: OriginalRecipient? = nil) {
        self.notify = notify
        self.originalRecipient = originalRecipient
    }

    init(_ raw: [SMTPRawParameter], extensions: SMTPExtensions) throws(SMTPError) {
        for parameter in raw {
            switch parameter.keyword {
            case "NOTIFY" where extensions.contains(.dsn):
                notify = try Self.notify(parameter)
            case "ORCPT" where extensions.contains(.dsn):
                originalRecipient = try Self.originalRecipient(parameter)
            default:
                throw parameter.notRecognized()
            }
        }
    }

    // notify-esmtp-value  = "NEVER" / 1#notify-list-element
    // notify-list-element = "SUCCESS" / "FAILURE" / "DELAY"
    // ; NEVER must appear by itself (RFC 3461 §4.1)
    private static func notify(_ parameter: SMTPRawParameter) throws(SMTPError) -> DSNNotify {
        guard let notify = DSNNotify(parameterValue: try parameter.keywordValue()) else {
            throw parameter.badValue()
        }
        return notify
    }

    // orcpt-parameter = "ORCPT=" original-recipient-address
    // original-recipient-address = addr-type ";" xtext
    // addr-type = atom
    private static func originalRecipient(_ parameter: SMTPRawParameter) throws(SMTPError) -> OriginalRecipient {
        let value = try parameter.requiredValue()
        guard value.count <= SMTPLimits.maxOriginalRecipientLength, let semicolon = value.firstIndex(of: UInt8(ascii: ";")) else {
            throw parameter.badValue()
        }
        let type = value[..<semicolon]
        guard !type.isEmpty, type.allSatisfy(SMTPGrammarReader.isAText),
              let decoded = SMTPXText.decode(value[(semicolon + 1)...]), !decoded.isEmpty,
              let address = SMTPGrammarReader.string(decoded)
        else { throw parameter.badValue() }
        return OriginalRecipient(addressType: String(decoding: type, as: UTF8.self), address: address)
    }
}
