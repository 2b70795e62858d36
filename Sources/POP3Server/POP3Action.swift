import MailStore
import NIOCore
import POP3Protocol
import SASL
import ServerRuntime

/// What `POP3Session` asks its driver to do; the driver (`SessionDriver`, with
/// `POP3SessionAdapter`) executes the actions in order and feeds what comes of them back as events.
enum POP3Action {
    case send(POP3Reply)
    /// Async work (store, password hash): its result comes back as `.stepFinished`. No command
    /// is read meanwhile, which keeps pipelined commands answered in order (RFC 2449 §6.6).
    case run(POP3Step)
    /// RFC 2595 §4: after the +OK, drop whatever the client pipelined behind STLS and start TLS.
    case startTLS
    /// Give the maildrop lock back (RFC 1939 §8).
    case releaseLock(AccountID)
    /// Close after the replies already written (`closeAfterLastReply`).
    case close
    /// (Re)start the RFC 1939 §3 autologout timer; it reports `.idleTimeout`.
    case armIdleTimer
    /// (Re)start the login deadline; it reports `.loginTimeout`.
    case armLoginTimer(Duration)
    case cancelTimers
}

/// A reply as data; `write(into:)` encodes it (RFC 1939 §3, RFC 5034 §4).
enum POP3Reply: Equatable, Sendable {
    /// "+OK" and the text (none when empty).
    case ok(String)
    /// "+OK" and the text, then a multi-line list (CAPA, LIST, UIDL, AUTH without arguments).
    case list(String, [String])
    /// A SASL challenge: "+ " and base64.
    case continuation(String)
    case failure(POP3Failure)
    /// RETR (`topLines` nil) or TOP: the status line and the byte-stuffed message.
    case message([UInt8], topLines: Int?)

    func write(into buffer: inout ByteBuffer) {
        switch self {
        case .ok(let text): POP3Response.ok(text, into: &buffer)
        case .list(let text, let lines):
            POP3Response.ok(text, into: &buffer)
            POP3Response.lines(lines, into: &buffer)
        case .continuation(let base64): POP3Response.continuation(base64, into: &buffer)
        case .failure(let failure):
            let (text, code) = failure.response
            POP3Response.error(text, code: code, into: &buffer)
        case .message(let bytes, let topLines):
            buffer.reserveCapacity(bytes.count + bytes.count / 50 + 64)
            if let topLines {
                POP3Response.ok("top of message follows", into: &buffer)
                POP3Response.stuffedMessage(POP3Response.top(bytes, lines: topLines), into: &buffer)
            } else {
                POP3Response.ok("\(bytes.count) octets", into: &buffer)
                POP3Response.stuffedMessage(bytes, into: &buffer)
            }
        }
    }
}

/// The async work a command needs (`POP3StepRunner` does it).
enum POP3Step: Sendable {
    /// RFC 5034 AUTH with its optional initial response.
    case authenticate(mechanism: String, initialResponse: String?, tlsActive: Bool)
    /// The client's line after a challenge (base64, or "*" to cancel).
    case continueAuthentication(SASLLogin, response: String)
    /// RFC 1939 §7 USER/PASS.
    case checkPassword(user: String, password: String)
    /// After a login: lock the maildrop and take the snapshot of INBOX.
    case openMaildrop(username: String)
    /// RETR (`topLines` nil) or TOP.
    case read(StoredMessage, inbox: MailboxID, topLines: Int?)
    /// RFC 1939 §6 UPDATE: remove the messages marked deleted.
    case update(Maildrop)
}

/// What a step came to, fed back to the session as `.stepFinished`.
enum POP3StepResult: Sendable {
    case login(SASLLogin.Step)
    case maildrop(Result<Maildrop, POP3Failure>)
    case message(Result<[UInt8], POP3Failure>, topLines: Int?)
    /// The number of messages removed.
    case updated(Result<Int, POP3Failure>)
}
