/// The reply each protocol sends for an authentication outcome, as data (code, enhanced code,
/// text). The protocol targets format them; nothing here encodes a wire line.

/// An SMTP reply to AUTH (RFC 4954 §6; enhanced codes RFC 3463, RFC 5248 registry).
public struct SASLSMTPReply: Sendable, Equatable {
    public let code: Int
    public let enhancedCode: String
    public let text: String
    public var isTemporary: Bool { code / 100 == 4 }
}

/// An IMAP tagged reply to AUTHENTICATE or LOGIN (RFC 3501 §6.2.2, response codes RFC 5530).
public struct SASLIMAPReply: Sendable, Equatable {
    public enum Status: String, Sendable { case ok = "OK", no = "NO", bad = "BAD" }
    public let status: Status
    /// The bracketed response code without brackets, e.g. "AUTHENTICATIONFAILED".
    public let responseCode: String?
    public let text: String
}

/// A POP3 reply to AUTH, USER/PASS or APOP (RFC 5034 §4, response codes RFC 2449 §8, RFC 3206).
public struct SASLPOP3Reply: Sendable, Equatable {
    public let ok: Bool
    /// The bracketed extended response code without brackets, e.g. "AUTH" or "SYS/TEMP".
    public let responseCode: String?
    public let text: String
}

public enum SASLReplies {
    /// RFC 4954 §6: 235 2.7.0.
    public static let smtpSuccess = SASLSMTPReply(code: 235, enhancedCode: "2.7.0", text: "Authentication successful")
    public static let imapSuccess = SASLIMAPReply(status: .ok, responseCode: nil, text: "Authentication successful")
    public static let pop3Success = SASLPOP3Reply(ok: true, responseCode: nil, text: "Authentication successful")
}

extension SASLFailure {
    /// RFC 4954 §4 and §6. Invalid base64 and `*` get 501 as §4 requires; 5.5.2 is "syntax error".
    public var smtpReply: SASLSMTPReply {
        switch self {
        case .invalidCredentials: .init(code: 535, enhancedCode: "5.7.8", text: "Authentication credentials invalid")
        case .authorizationDenied: .init(code: 535, enhancedCode: "5.7.8", text: "Authorization identity not permitted")
        case .malformedResponse: .init(code: 501, enhancedCode: "5.5.2", text: "Malformed authentication response")
        case .invalidBase64: .init(code: 501, enhancedCode: "5.5.2", text: "Invalid base64 data")
        case .cancelled: .init(code: 501, enhancedCode: "5.5.2", text: "Authentication cancelled")
        case .lineTooLong: .init(code: 500, enhancedCode: "5.5.6", text: "Authentication Exchange line is too long")
        case .encryptionRequired:
            .init(code: 538, enhancedCode: "5.7.11", text: "Encryption required for requested authentication mechanism")
        case .mechanismTooWeak: .init(code: 534, enhancedCode: "5.7.9", text: "Authentication mechanism is too weak")
        case .unsupportedMechanism: .init(code: 504, enhancedCode: "5.5.4", text: "Unrecognized authentication type")
        case .temporaryFailure: .init(code: 454, enhancedCode: "4.7.0", text: "Temporary authentication failure")
        case .tooManyFailures:
            .init(code: 454, enhancedCode: "4.7.0", text: "Too many failed authentication attempts, try again later")
        }
    }

    /// RFC 3501 §6.2.2: BAD for `*` and invalid base64; NO for failed authentication, with the
    /// RFC 5530 codes where one fits.
    public var imapReply: SASLIMAPReply {
        switch self {
        case .invalidCredentials: .init(status: .no, responseCode: "AUTHENTICATIONFAILED", text: "Authentication failed")
        case .authorizationDenied: .init(status: .no, responseCode: "AUTHORIZATIONFAILED", text: "Authorization identity not permitted")
        case .malformedResponse: .init(status: .bad, responseCode: nil, text: "Malformed authentication response")
        case .invalidBase64: .init(status: .bad, responseCode: nil, text: "Invalid base64 data")
        case .cancelled: .init(status: .bad, responseCode: nil, text: "Authentication cancelled")
        case .lineTooLong: .init(status: .bad, responseCode: nil, text: "Authentication line too long")
        case .encryptionRequired: .init(status: .no, responseCode: "PRIVACYREQUIRED", text: "Use TLS before authenticating")
        case .mechanismTooWeak: .init(status: .no, responseCode: nil, text: "Authentication mechanism is too weak")
        case .unsupportedMechanism: .init(status: .no, responseCode: nil, text: "Unsupported authentication mechanism")
        case .temporaryFailure: .init(status: .no, responseCode: "UNAVAILABLE", text: "Temporary authentication failure")
        case .tooManyFailures: .init(status: .no, responseCode: "UNAVAILABLE", text: "Too many failed attempts, try again later")
        }
    }

    /// RFC 5034 §4 and RFC 3206: [AUTH] for credential problems, [SYS/TEMP] for "try later",
    /// no code for protocol errors.
    public var pop3Reply: SASLPOP3Reply {
        switch self {
        case .invalidCredentials: .init(ok: false, responseCode: "AUTH", text: "Authentication failed")
        case .authorizationDenied: .init(ok: false, responseCode: "AUTH", text: "Authorization identity not permitted")
        case .malformedResponse: .init(ok: false, responseCode: nil, text: "Malformed authentication response")
        case .invalidBase64: .init(ok: false, responseCode: nil, text: "Invalid base64 data")
        case .cancelled: .init(ok: false, responseCode: nil, text: "Authentication cancelled")
        case .lineTooLong: .init(ok: false, responseCode: nil, text: "Authentication line too long")
        case .encryptionRequired: .init(ok: false, responseCode: "AUTH", text: "Use TLS before authenticating")
        case .mechanismTooWeak: .init(ok: false, responseCode: "AUTH", text: "Authentication mechanism is too weak")
        case .unsupportedMechanism: .init(ok: false, responseCode: nil, text: "Unrecognized authentication type")
        case .temporaryFailure: .init(ok: false, responseCode: "SYS/TEMP", text: "Temporary authentication failure")
        case .tooManyFailures: .init(ok: false, responseCode: "SYS/TEMP", text: "Too many failed attempts, try again later")
        }
    }
}
