import MailCore

/// One recipient of a transaction, with the DSN parameters to pass on (RFC 3461 §4.1, §4.2).
public struct SMTPClientRecipient: Sendable, Hashable {
    /// The forward-path without angle brackets, e.g. "bob@example.org".
    public var address: String
    /// NOTIFY and ORCPT, sent only when the peer offers DSN.
    public var dsn: DSNRequest

    public init(address: String, dsn: DSNRequest = DSNRequest()) {
        self.address = address
        self.dsn = dsn
    }
}

/// The envelope of one mail transaction (RFC 5321 §3.3).
public struct SMTPClientEnvelope: Sendable {
    /// The reverse-path without angle brackets; nil is the null reverse-path <> (bounces).
    public var mailFrom: String?
    public var recipients: [SMTPClientRecipient]
    /// ENVID (RFC 3461 §4.4), passed on only when the peer offers DSN.
    public var envelopeID: String?
    /// RET value, "FULL" or "HDRS" (RFC 3461 §4.3), passed on only when the peer offers DSN.
    public var returnContent: String?
    /// The message needs SMTPUTF8 (RFC 6531): non-ASCII addresses or header fields. Non-ASCII
    /// envelope addresses turn this on by themselves.
    public var smtpUTF8: Bool
    /// The message has 8-bit content and was received as BODY=8BITMIME (RFC 6152). The client also
    /// looks at the bytes itself: 8-bit content is sent as 8BITMIME or converted either way.
    public var eightBit: Bool
    /// REQUIRETLS (RFC 8689 §4.2.1): sent on MAIL; with a non-null sender the transaction is
    /// refused (`requireTLSUnsupported`) unless TLS is active and the peer offers REQUIRETLS.
    /// A bounce (null sender) carries it when the peer offers it and goes anyway otherwise (§5).
    public var requireTLS: Bool

    public init(mailFrom: String?, recipients: [SMTPClientRecipient], envelopeID: String? = nil,
                returnContent: String? = nil, smtpUTF8: Bool = false, eightBit: Bool = false, requireTLS: Bool = false) {
        self.requireTLS = requireTLS
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.envelopeID = envelopeID
        self.returnContent = returnContent
        self.smtpUTF8 = smtpUTF8
        self.eightBit = eightBit
    }
}

/// What one transaction got: the MAIL reply, one reply per recipient, and the reply to the final
/// dot when DATA went ahead.
public struct SMTPTransactionResult: Sendable {
    public var mailFrom: SMTPClientReply
    /// In envelope order. When MAIL was refused, every recipient carries the MAIL reply (their own
    /// replies, if pipelined, are only "503 need MAIL").
    public var recipients: [(recipient: SMTPClientRecipient, reply: SMTPClientReply)]
    /// The reply after the message (the final dot), or the refusal of DATA itself (then 4xx/5xx
    /// and no message was sent). nil when no recipient was accepted.
    public var data: SMTPClientReply?

    public init(mailFrom: SMTPClientReply, recipients: [(recipient: SMTPClientRecipient, reply: SMTPClientReply)], data: SMTPClientReply?) {
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.data = data
    }

    /// The outcome for one recipient: its RCPT reply when that was not positive, else the DATA reply.
    public func outcome(for index: Int) -> SMTPClientReply {
        let reply = recipients[index].reply
        guard reply.isPositive, let data else { return reply }
        return data
    }
}
