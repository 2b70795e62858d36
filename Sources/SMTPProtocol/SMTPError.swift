/// An error that knows its reply (the maddy `exterrors` idea): the reply code, the RFC 3463
/// enhanced code, whether it is temporary, the text the client sees and, separately, the cause
/// that only goes to the log.
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: Int
    public let enhancedCode: SMTPEnhancedStatusCode
    /// Sent to the client. Never put internal details here; they go in `cause`.
    public let message: String
    /// For the log only.
    public let cause: String?

    /// - Precondition: `code` is 4xx or 5xx and agrees with `enhancedCode` (RFC 2034 §4).
    public init(_ code: Int, _ enhancedCode: SMTPEnhancedStatusCode, _ message: String, cause: String? = nil) {
        precondition((400...599).contains(code) && enhancedCode.statusClass == code / 100, "bad error reply \(code) \(enhancedCode)")
        self.code = code
        self.enhancedCode = enhancedCode
        self.message = message
        self.cause = cause
    }

    /// 4xx: the client may try the same thing again later (RFC 5321 §4.2.1).
    public var isTemporary: Bool { code / 100 == 4 }

    /// 421 (RFC 5321 §3.8): the server closes the connection after sending it.
    public var closesConnection: Bool { code == 421 }

    public var reply: SMTPReply { SMTPReply(code, enhancedCode, message) }

    /// The same reply with a cause for the log.
    public func withCause(_ cause: String) -> SMTPError {
        SMTPError(code, enhancedCode, message, cause: cause)
    }

    /// The same codes with other public text.
    public func withMessage(_ message: String) -> SMTPError {
        SMTPError(code, enhancedCode, message, cause: cause)
    }

    public var description: String {
        "\(code) \(enhancedCode) \(message)" + (cause.map { " (\($0))" } ?? "")
    }
}

extension SMTPEnhancedStatusCode {
    /// For the constants below, which are known to be valid.
    static func known(_ statusClass: Int, _ subject: Int, _ detail: Int) -> SMTPEnhancedStatusCode {
        SMTPEnhancedStatusCode(statusClass, subject, detail)!
    }
}

// The replies a grammar error or a content problem leads to. Codes: RFC 5321 §4.2.2-§4.2.3,
// enhanced codes: RFC 3463 §3.
extension SMTPError {
    private static func e(_ code: Int, _ s: Int, _ d: Int, _ text: String) -> SMTPError {
        SMTPError(code, .known(code / 100, s, d), text)
    }

    /// 500 5.5.2: the command word is unknown, or the line is not a command at all.
    public static let commandUnrecognized = e(500, 5, 2, "Syntax error, command unrecognized")
    /// 500 5.5.2 (RFC 5321 §4.5.3.1.9 "500 Line too long").
    public static let lineTooLong = e(500, 5, 2, "Line too long")
    /// 500 5.5.6 (RFC 4954 §4): an AUTH command or SASL response over the limit.
    public static let authLineTooLong = e(500, 5, 6, "Authentication exchange line is too long")
    /// 500 5.5.2 (RFC 5321 §2.3.8): a command line ended in a bare LF.
    public static let bareLineFeed = e(500, 5, 2, "Lines must end with CRLF")
    /// 501 5.5.4: the command's arguments do not follow its syntax.
    public static let syntaxErrorInParameters = e(501, 5, 4, "Syntax error in parameters or arguments")
    /// 501 5.1.7 (RFC 3463 X.1.7): the MAIL reverse-path is malformed.
    public static let badSenderAddressSyntax = e(501, 1, 7, "Bad sender address syntax")
    /// 501 5.1.3 (RFC 3463 X.1.3): the RCPT forward-path is malformed.
    public static let badRecipientAddressSyntax = e(501, 1, 3, "Bad recipient address syntax")
    /// 502 5.5.1: a known command that Hato does not implement or does not offer here.
    public static let commandNotImplemented = e(502, 5, 1, "Command not implemented")
    /// 504 5.5.4 (RFC 4954 §4): an AUTH mechanism that is not supported.
    public static let parameterNotImplemented = e(504, 5, 4, "Command parameter not implemented")
    /// 555 5.5.4 (RFC 5321 §4.1.1.11): a MAIL or RCPT parameter that is not recognized.
    public static let parameterNotRecognized = e(555, 5, 4, "MAIL FROM/RCPT TO parameters not recognized or not implemented")
    /// 550 5.6.7 (RFC 6531 §3.7.4.1): a non-ASCII reverse-path without SMTPUTF8.
    public static let nonASCIISenderWithoutSMTPUTF8 = e(550, 6, 7, "Non-ASCII addresses require SMTPUTF8")
    /// 553 5.6.7 (RFC 6531 §3.7.4.1): a non-ASCII forward-path in a transaction without SMTPUTF8.
    public static let nonASCIIRecipientWithoutSMTPUTF8 = e(553, 6, 7, "Non-ASCII addresses require SMTPUTF8")
    /// 503 5.5.1 (RFC 5321 §4.1.4): a command out of order.
    public static let badSequence = e(503, 5, 1, "Bad sequence of commands")
    /// 552 5.3.4 (RFC 1870 §6, RFC 5321 §4.5.3.1.10): the message is over the size limit.
    public static let messageTooLarge = e(552, 3, 4, "Message too big for system")
    /// 452 4.5.3 (RFC 5321 §4.5.3.1.10): one recipient too many; earlier ones stay accepted.
    public static let tooManyRecipients = e(452, 5, 3, "Too many recipients")
    /// 554 5.6.0 (RFC 5321 §2.3.8): DATA content with a bare CR or LF, refused after the dot.
    public static let bareLineEndingInContent = e(554, 6, 0, "Message contains bare CR or LF; lines must end with CRLF")
    /// 421 4.7.0: too many errors; the server closes the connection.
    public static let tooManyErrors = e(421, 7, 0, "Too many errors, closing connection")
}
