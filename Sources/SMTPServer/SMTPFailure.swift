import MailStore
import Reception
import SASL
import SMTPProtocol

/// Every way an SMTP command, message or session can fail. `error(host:)` is the one place a
/// failure becomes its reply: the code (RFC 5321 §4.2.2-§4.2.3), the enhanced status code
/// (RFC 3463 §3) and the text; `countsAsError` and `closesConnection` say what it does to the
/// session. A new command adds a case here rather than writing a reply of its own.
enum SMTPFailure: Error, Equatable, Sendable {
    /// The command grammar refused the line (`SMTPCommandParser`): 500, 501, 502, 504, 555 ...
    case syntax(SMTPError)
    /// 500 5.5.2 (RFC 5321 §4.5.3.1.9).
    case lineTooLong
    /// 500 5.5.6 (RFC 4954 §4): a SASL response over the limit ends the exchange.
    case authLineTooLong
    /// 500 5.5.2 (RFC 5321 §2.3.8): a command line ended in a bare LF.
    case bareLineFeed
    /// 503 (RFC 5321 §4.1.4): commands out of order.
    case heloFirst, nestedMail, rcptBeforeMail, dataBeforeMail, bdatBeforeMail, chunkOutOfSequence
    /// 503 (RFC 3030 §2): "DATA and BDAT commands cannot be used in the same transaction".
    case dataAfterBDAT
    /// 554 5.5.1: DATA or BDAT with no recipient accepted.
    case noValidRecipients
    /// 530 5.7.0 (RFC 6409 §4.3, RFC 4954 §6): submission needs AUTH before MAIL.
    case authenticationRequired
    /// 552 5.3.4 (RFC 1870 §6.2): MAIL's SIZE exceeds the limit.
    case declaredSizeTooLarge
    /// 501 5.1.7: a reverse-path that is not an address we can take.
    case senderNotAcceptable
    /// 452 4.5.3 (RFC 5321 §4.5.3.1.10).
    case tooManyRecipients
    /// 552 5.3.4 (RFC 1870 §6.3, RFC 3030 §2): the message is over the size limit.
    case messageTooLarge
    /// 554 5.6.0 (RFC 5321 §2.3.8): DATA content with a bare CR or LF (SMTP smuggling class).
    case bareLineEndingInContent
    /// 502 5.5.1 EXPN (RFC 5321 §3.5.3 lets a server refuse it).
    case expnUnavailable
    /// 502 5.5.1 STARTTLS where the listener has no TLS; 503 when TLS is already up.
    case startTLSUnavailable, tlsAlreadyActive
    /// 503 (RFC 4954 §4): AUTH once per session, and never inside a transaction.
    case alreadyAuthenticated, authDuringTransaction
    /// 538 5.7.11 (RFC 4954 §6): AUTH on port 25 before STARTTLS.
    case encryptionRequired
    /// MAIL FROM ... REQUIRETLS on a session without TLS (RFC 8689 §2, §4.2.1: 5.7.10).
    case requireTLSWithoutTLS
    /// AUTH refused (RFC 4954 §6): the SASL module's SMTP reply for it.
    case authentication(SASLFailure)
    /// A reception stage's verdict (unknown user, SPF, DMARC, ...): the stage's reply.
    case refused(ReceptionRefusal)
    /// A connection stage refused the client: 554 (RFC 5321 §3.1) or 421 when temporary.
    case connectionRefused(ReceptionRefusal)
    /// 552 5.2.2: every recipient's mailbox is over quota.
    case mailboxFull
    /// 451 4.3.0: the message could not be stored or queued.
    case localError
    /// 452 4.3.1 (RFC 3463 "Mail system full"): the content could not be written to the spool.
    case spoolFailed
    /// 421 4.7.0 (RFC 5321 §4.3.2): `limits.max_errors` protocol errors.
    case tooManyErrors
    /// 421 4.4.2 (RFC 5321 §4.5.3.2): a command or message content took too long.
    case commandTimeout, dataTimeout
    /// 421 4.3.2 (RFC 5321 §3.8): the server is shutting down.
    case shuttingDown

    /// The reply; `host` is the server's name, which a 421 starts with (RFC 5321 §3.8).
    func error(host: String) -> SMTPError {
        func e(_ code: Int, _ subject: Int, _ detail: Int, _ text: String) -> SMTPError {
            SMTPError(code, SMTPEnhancedStatusCode(code / 100, subject, detail)!, text)
        }
        switch self {
        case .syntax(let error): return error
        case .lineTooLong: return .lineTooLong
        case .authLineTooLong: return .authLineTooLong
        case .bareLineFeed: return .bareLineFeed
        case .heloFirst: return SMTPError.badSequence.withMessage("Send EHLO or HELO first")
        case .nestedMail: return SMTPError.badSequence.withMessage("Nested MAIL command")
        case .rcptBeforeMail: return SMTPError.badSequence.withMessage("Need MAIL before RCPT")
        case .dataBeforeMail: return SMTPError.badSequence.withMessage("Need MAIL and RCPT before DATA")
        case .bdatBeforeMail: return SMTPError.badSequence.withMessage("Need MAIL and RCPT before BDAT")
        case .chunkOutOfSequence: return .badSequence
        case .dataAfterBDAT: return SMTPError.badSequence.withMessage("DATA may not follow BDAT in one transaction")
        case .noValidRecipients: return e(554, 5, 1, "No valid recipients")
        case .authenticationRequired: return e(530, 7, 0, "Authentication required")
        case .declaredSizeTooLarge: return SMTPError.messageTooLarge.withMessage("Message size exceeds fixed maximum message size")
        case .senderNotAcceptable: return SMTPError.badSenderAddressSyntax.withMessage("Sender address not acceptable here")
        case .tooManyRecipients: return .tooManyRecipients
        case .messageTooLarge: return .messageTooLarge
        case .bareLineEndingInContent: return .bareLineEndingInContent
        case .expnUnavailable: return SMTPError.commandNotImplemented.withMessage("EXPN is not available")
        case .startTLSUnavailable: return .commandNotImplemented
        case .tlsAlreadyActive: return SMTPError.badSequence.withMessage("TLS already active")
        case .alreadyAuthenticated: return SMTPError.badSequence.withMessage("Already authenticated")
        case .authDuringTransaction: return SMTPError.badSequence.withMessage("AUTH not allowed during a mail transaction")
        case .encryptionRequired: return e(538, 7, 11, "Encryption required for requested authentication mechanism")
        case .requireTLSWithoutTLS: return e(530, 7, 10, "REQUIRETLS needs a TLS session: use STARTTLS first")
        case .authentication(let failure):
            let reply = failure.smtpReply
            return SMTPError(reply.code, SMTPEnhancedStatusCode(reply.enhancedCode) ?? SMTPEnhancedStatusCode(5, 7, 8)!, reply.text)
        case .refused(let refusal):
            return SMTPError(refusal.code, refusal.enhancedCode, refusal.text, cause: refusal.cause)
        case .connectionRefused(let refusal):
            return SMTPError(refusal.isTemporary ? 421 : 554, refusal.enhancedCode, "\(host) \(refusal.text)")
        case .mailboxFull: return e(552, 2, 2, "Mailbox full")
        case .localError: return e(451, 3, 0, "Local error in processing; try again later")
        case .spoolFailed: return e(452, 3, 1, "Insufficient system storage; try again later")
        case .tooManyErrors: return .tooManyErrors
        case .commandTimeout: return e(421, 4, 2, "\(host) timeout, closing connection")
        case .dataTimeout: return e(421, 4, 2, "\(host) timeout waiting for message data")
        case .shuttingDown: return e(421, 3, 2, "\(host) Service not available, closing transmission channel")
        }
    }

    /// Whether the failure counts towards `limits.max_errors` (RFC 5321 §4.3.2 lets a server
    /// close after too many bad commands): syntax and sequence errors do when they are 5xx.
    /// Answers about the mail (a stage's refusal, a message over the size limit, a failed
    /// login, a delivery that failed) are not the client misbehaving and never count, so a
    /// valid recipient after ten unknown ones still gets the message.
    var countsAsError: Bool {
        switch self {
        case .refused, .connectionRefused, .authentication, .messageTooLarge, .mailboxFull, .localError, .spoolFailed: false
        default: error(host: "").code / 100 == 5
        }
    }

    /// 421 and a refused connection end the session after the reply (RFC 5321 §3.8, §3.1).
    var closesConnection: Bool {
        if case .connectionRefused = self { return true }
        return error(host: "").closesConnection
    }
}
