import POP3Protocol
import SASL

/// Every way a POP3 command or session can fail. `response` is the one place a failure becomes
/// its `-ERR` line: the text and the RFC 2449 §8 / RFC 3206 extended response code, so a new
/// command adds a case here rather than writing a reply of its own.
enum POP3Failure: Error, Equatable, Sendable {
    /// RFC 2449 §4: the line exceeded `[limits] max_line_length`.
    case lineTooLong
    case unparsable(POP3ParseError)
    /// RFC 2595 §2.2: USER/PASS only over TLS (or from loopback).
    case plaintextDisallowed
    case passWithoutUser
    case apopNotOffered
    case notAllowedBeforeLogin
    case alreadyLoggedIn
    case noSuchMessage(Int)
    case tlsAlreadyActive
    case tlsUnavailable
    /// AUTH or USER/PASS refused (RFC 5034 §4): the SASL module's POP3 reply for it.
    case authentication(SASLFailure)
    /// RFC 1939 §8 / RFC 2449 §8.1.1: another session holds the maildrop.
    case maildropLocked
    case maildropUnavailable
    case messageUnreadable
    case updateFailed
    /// RFC 1939 §3 autologout.
    case idle
    /// `limits.pop3_login_timeout`.
    case loginTookTooLong
    case shuttingDown

    /// The `-ERR` text and response code (RFC 2449 §8, RFC 3206 §4: SYS/TEMP for problems on
    /// the server's side that may pass, AUTH for credentials, IN-USE for the maildrop lock).
    var response: (text: String, code: POP3ResponseCode?) {
        switch self {
        case .lineTooLong: ("line too long", nil)
        case .unparsable(let error): (error.description, nil)
        case .plaintextDisallowed: ("plaintext authentication is disallowed without TLS; use STLS", .auth)
        case .passWithoutUser: ("send USER first", nil)
        case .apopNotOffered: ("APOP is not offered (it needs the password stored in plaintext)", nil)
        case .notAllowedBeforeLogin: ("not allowed before login", nil)
        case .alreadyLoggedIn: ("already logged in", nil)
        case .noSuchMessage(let number): ("no such message, or it is marked deleted: \(number)", nil)
        case .tlsAlreadyActive: ("TLS is already active", nil)
        case .tlsUnavailable: ("TLS is not available", nil)
        case .authentication(let failure):
            (failure.pop3Reply.text, failure.pop3Reply.responseCode.flatMap(POP3ResponseCode.init(rawValue:)))
        case .maildropLocked: ("maildrop already locked by another session", .inUse)
        case .maildropUnavailable: ("cannot open the maildrop now", .sysTemp)
        case .messageUnreadable: ("cannot read that message now", .sysTemp)
        case .updateFailed: ("some deleted messages were not removed", .sysTemp)
        case .idle: ("autologout: idle for too long", nil)
        case .loginTookTooLong: ("login took too long", nil)
        case .shuttingDown: ("server shutting down, nothing was deleted", .sysTemp)
        }
    }
}
