import LocalDelivery
import MailCore
import MailMessage
import MailStore
import NIOCore
import Reception
import SASL
import SMTPProtocol
import ServerRuntime

/// What `SMTPSession` asks its driver to do; the driver (`SessionDriver`, with
/// `SMTPSessionAdapter`) executes the actions in order and feeds what comes of them back as events.
enum SMTPAction {
    /// Write the reply (with its enhanced status code, RFC 2034).
    case send(SMTPReply)
    /// Async work (a reception stage, a login, delivery): its result comes back as
    /// `.stepFinished`. No input is decoded meanwhile, which keeps pipelined commands answered
    /// in order (RFC 2920 §3).
    case run(SMTPStep)
    /// RFC 3207 §4.2: start the TLS handshake now. The session has already dropped every byte
    /// the client sent behind STARTTLS.
    case startTLS
    /// The header section of the message arrived while the body still streams: let the
    /// reception stages start their lookups (`ReceptionPipeline.headerReceived`).
    case headerReceived(HeaderSection, ReceptionTransaction, ReceptionClient)
    /// Close after the replies already written (`closeAfterLastReply`).
    case close
    /// (Re)start the one session timer at this deadline (on the event loop's clock); it
    /// reports `.timeout`.
    case armTimer(NIODeadline)
    case cancelTimer
}

/// The async work a command needs (`SMTPStepRunner` does it).
enum SMTPStep: Sendable {
    /// The connection stages, before the greeting (RFC 5321 §3.1).
    case connection(ReceptionClient)
    /// The HELO stages (RFC 5321 §4.1.1.1); the client carries the name given.
    case helo(ReceptionClient)
    /// The MAIL stages (SPF, sender rules) over the transaction about to start.
    case mailFrom(ReceptionTransaction, ReceptionClient)
    /// The RCPT stages: where the recipient goes, whether we relay. `dsn` is passed through.
    case recipient(ReceptionRecipient, dsn: DSNRequest, transaction: ReceptionTransaction, client: ReceptionClient)
    /// RFC 4954 AUTH with its optional initial response.
    case authenticate(mechanism: String, initialResponse: String?, tlsActive: Bool)
    /// The client's line after a 334 challenge (base64, or "*" to cancel).
    case continueAuthentication(SASLLogin, response: String)
    /// After a login: the account it names.
    case lookUpAccount(SASLIdentity)
    /// The end of a message: parse it once, run the message stages, deliver it (RFC 5321 §4.2.5:
    /// one reply, only after every local copy is durable and the remote part queued).
    case deliver(ReceivedContent, ReceptionTransaction, ReceptionClient)

    /// The step with `session` in the client the stages see.
    func inSession(_ session: ReceptionSession) -> SMTPStep {
        func joined(_ client: ReceptionClient) -> ReceptionClient {
            var client = client
            client.session = session
            return client
        }
        return switch self {
        case .connection(let client): .connection(joined(client))
        case .helo(let client): .helo(joined(client))
        case .mailFrom(let transaction, let client): .mailFrom(transaction, joined(client))
        case .recipient(let recipient, let dsn, let transaction, let client):
            .recipient(recipient, dsn: dsn, transaction: transaction, client: joined(client))
        case .deliver(let content, let transaction, let client): .deliver(content, transaction, joined(client))
        case .authenticate, .continueAuthentication, .lookUpAccount: self
        }
    }
}

/// What a step came to, fed back to the session as `.stepFinished`.
enum SMTPStepResult: Sendable {
    case connection(ReceptionRefusal?)
    case helo(ReceptionRefusal?)
    /// The transaction as the stages left it, or their refusal.
    case mailFrom(Result<ReceptionTransaction, ReceptionRefusal>)
    case recipient(Result<ReceptionRecipient, ReceptionRefusal>, dsn: DSNRequest)
    case login(SASLLogin.Step)
    /// nil when the account is gone (or the name is not an address).
    case account(Account?, SASLIdentity)
    /// What delivery did for each recipient, or the message stages' refusal.
    case delivered(Result<[RecipientDelivery], ReceptionRefusal>, ReceptionTransaction, size: Int)
}
