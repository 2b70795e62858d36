/// Where in a session something happened, for errors and logs.
public enum SMTPClientStage: String, Sendable, Equatable, CustomStringConvertible {
    case connect, greeting, ehlo, helo, startTLS, tlsHandshake, auth, reset, mailFrom, rcptTo, data, message, endOfData, quit
    public var description: String { rawValue }
}

/// Why a connection or a transaction could not go ahead.
///
/// Most cases are connection-level: the connection is closed and unusable afterwards, and every
/// recipient of the transaction should be retried (`isPermanent` false). A few are decided
/// before anything of the transaction is sent (`invalidEnvelope`, `smtpUTF8Unsupported`,
/// `messageTooLarge`, `conversionImpossible`): the connection stays usable
/// (`connectionUsable` true) and the message should bounce with `localReply` as the diagnostic.
public enum SMTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// TCP connect failed or timed out (the text says which).
    case connectFailed(String)
    /// The greeting was not 220 (RFC 5321 §3.1: 554 "no SMTP service here", 421 busy).
    case greetingRefused(SMTPClientReply)
    /// No reply (or no progress writing) within the stage's timeout (RFC 5321 §4.5.3.2).
    case timeout(SMTPClientStage)
    /// The peer closed the connection during the stage.
    case connectionClosed(SMTPClientStage)
    /// A 421 reply (RFC 5321 §3.8): the peer is closing the channel; the whole transaction is
    /// transient whatever single recipients got before it.
    case serviceClosing(SMTPClientReply, stage: SMTPClientStage)
    /// The reply to a command that must succeed for the session to go on (HELO, RSET, STARTTLS in
    /// a verified mode) was not positive.
    case unexpectedReply(SMTPClientReply, stage: SMTPClientStage)
    /// TLS is required but the peer does not offer STARTTLS (or only answered HELO).
    case tlsUnavailable
    /// The TLS handshake failed (certificate verification included); the text is NIOSSL's.
    case tlsHandshakeFailed(String)
    /// DANE (RFC 7672 §3): the peer's certificate matches none of the MX host's TLSA records;
    /// the text says which checks failed.
    case daneAuthenticationFailed(String)
    /// Credentials are configured but TLS is not active, or no mechanism both sides know (PLAIN, LOGIN).
    case authenticationUnavailable(String)
    /// The peer refused the credentials (RFC 4954 §6).
    case authenticationFailed(SMTPClientReply)
    /// The message needs SMTPUTF8 and the peer does not offer it (RFC 6531 §3.5: bounce).
    case smtpUTF8Unsupported
    /// The message is larger than the peer's SIZE (RFC 1870 §6); refused before MAIL.
    case messageTooLarge(size: Int, limit: Int)
    /// The peer lacks 8BITMIME and the message cannot be made 7-bit (8-bit header fields, 8-bit
    /// bytes in a part already encoded or in a multipart preamble; RFC 6152 §3).
    case conversionImpossible(String)
    /// An envelope address or parameter the client will not put on the wire (controls, brackets,
    /// empty recipient list).
    case invalidEnvelope(String)
    /// The message carries REQUIRETLS and this session is not TLS with a peer that offers it
    /// (RFC 8689 §4.2.1 step 5: 5.7.30).
    case requireTLSUnsupported
    /// The peer broke the protocol: malformed or overlong reply, too many lines, plaintext after
    /// the STARTTLS reply. The connection is closed.
    case protocolViolation(String, stage: SMTPClientStage)
    /// `send` was called while another `send` or `quit` was running on the same connection.
    case connectionBusy
    /// The connection was already closed by an earlier failure or `quit`.
    case connectionUnusable

    /// The connection is still usable after this error (nothing of the transaction was sent).
    public var connectionUsable: Bool {
        switch self {
        case .invalidEnvelope, .smtpUTF8Unsupported, .messageTooLarge, .conversionImpossible, .connectionBusy, .requireTLSUnsupported: true
        default: false
        }
    }

    /// The message can never go through this way: bounce instead of retrying.
    public var isPermanent: Bool {
        switch self {
        case .invalidEnvelope, .smtpUTF8Unsupported, .messageTooLarge, .conversionImpossible, .requireTLSUnsupported: true
        case .greetingRefused(let reply), .unexpectedReply(let reply, _): reply.isPermanent && reply.code != 421
        default: false
        }
    }

    /// The reply to report in a DSN for the errors decided locally (RFC 3463 codes).
    public var localReply: SMTPClientReply? {
        switch self {
        case .smtpUTF8Unsupported:
            // RFC 6531 §3.5 / RFC 3463 X.6.7 "Non-ASCII addresses not permitted for that sender/recipient".
            SMTPClientReply(code: 550, enhancedCode: "5.6.7", lines: ["The message needs SMTPUTF8 and the destination does not support it"])
        case .messageTooLarge(let size, let limit):
            // RFC 1870 §6 / RFC 3463 X.3.4 "Message too big for system".
            SMTPClientReply(code: 552, enhancedCode: "5.3.4", lines: ["Message size \(size) exceeds the destination's limit of \(limit)"])
        case .conversionImpossible(let why):
            // RFC 3463 X.6.3 "Conversion required but not supported".
            SMTPClientReply(code: 554, enhancedCode: "5.6.3", lines: ["The destination lacks 8BITMIME and the message cannot be converted: \(why)"])
        case .invalidEnvelope(let why):
            SMTPClientReply(code: 553, enhancedCode: "5.1.3", lines: ["Invalid envelope: \(why)"])
        case .requireTLSUnsupported:
            // RFC 8689 §4.2.1: "REQUIRETLS not supported by server: 5.7.30 REQUIRETLS support required".
            SMTPClientReply(code: 550, enhancedCode: "5.7.30", lines: ["REQUIRETLS support required: the destination does not offer REQUIRETLS over TLS"])
        case .greetingRefused(let reply), .serviceClosing(let reply, _), .unexpectedReply(let reply, _), .authenticationFailed(let reply):
            reply
        default:
            nil
        }
    }

    public var description: String {
        switch self {
        case .connectFailed(let why): "connect failed: \(why)"
        case .greetingRefused(let reply): "greeting refused: \(reply)"
        case .timeout(let stage): "timeout during \(stage)"
        case .connectionClosed(let stage): "connection closed by the peer during \(stage)"
        case .serviceClosing(let reply, let stage): "service closing during \(stage): \(reply)"
        case .unexpectedReply(let reply, let stage): "unexpected reply during \(stage): \(reply)"
        case .tlsUnavailable: "TLS required but the peer does not offer STARTTLS"
        case .tlsHandshakeFailed(let why): "TLS handshake failed: \(why)"
        case .daneAuthenticationFailed(let why): "DANE authentication failed (RFC 7672 §3): \(why)"
        case .authenticationUnavailable(let why): "authentication unavailable: \(why)"
        case .authenticationFailed(let reply): "authentication failed: \(reply)"
        case .smtpUTF8Unsupported: "the message needs SMTPUTF8 and the peer does not offer it"
        case .messageTooLarge(let size, let limit): "message of \(size) octets exceeds the peer's SIZE \(limit)"
        case .conversionImpossible(let why): "cannot convert to 7-bit: \(why)"
        case .invalidEnvelope(let why): "invalid envelope: \(why)"
        case .requireTLSUnsupported: "the message requires TLS (RFC 8689) and the peer does not offer REQUIRETLS over TLS"
        case .protocolViolation(let why, let stage): "protocol violation during \(stage): \(why)"
        case .connectionBusy: "another transaction is running on this connection"
        case .connectionUnusable: "the connection is closed"
        }
    }
}
