import MailStore
import ManageSieveProtocol
import NIOCore
import SASL
import ServerRuntime

/// What `ManageSieveSession` asks its driver to do (`ManageSieveSessionAdapter` maps them).
enum ManageSieveAction {
    case send(ManageSieveReply)
    /// Async work (store, compiler, password hash); its result comes back as `.stepFinished`.
    case run(ManageSieveStep)
    /// RFC 5804 §2.2: after the OK, drop what the client pipelined and start TLS.
    case startTLS
    /// The largest literal the decoder accepts from now on (the script size once logged in).
    case setLiteralLimit(Int)
    case close
    case armIdleTimer
    case armLoginTimer(Duration)
    case cancelLoginTimer
    case cancelTimers
}

/// The logged-in account.
struct ManageSieveUser: Sendable, Equatable {
    let account: AccountID
    let name: String
}

/// A response as data; `write(into:)` encodes it (RFC 5804 §4).
enum ManageSieveReply: Equatable, Sendable {
    case ok(ManageSieveResponseCode?, String?)
    case failure(ManageSieveFailure)
    /// `single-capability` lines, then OK with the text (the greeting's, or none).
    case capabilities([Capability], String?)
    /// A SASL challenge: the base64 text as a string line (§2.1).
    case challenge(String)
    /// GETSCRIPT: the script as a literal, then OK (§2.9).
    case script(String)
    /// LISTSCRIPTS: one name per line, the active one marked (§2.7), then OK.
    case scripts([ScriptEntry])

    struct Capability: Equatable, Sendable {
        let name: String
        let value: String?
    }

    struct ScriptEntry: Equatable, Sendable {
        let name: String
        let active: Bool
    }

    func write(into buffer: inout ByteBuffer) {
        switch self {
        case .ok(let code, let text):
            ManageSieveResponse.status(.ok, code: code, text: text, into: &buffer)
        case .failure(let failure):
            let (status, code, text) = failure.response
            ManageSieveResponse.status(status, code: code, text: text, into: &buffer)
        case .capabilities(let capabilities, let text):
            for capability in capabilities { ManageSieveResponse.capability(capability.name, capability.value, into: &buffer) }
            ManageSieveResponse.status(.ok, text: text, into: &buffer)
        case .challenge(let base64):
            ManageSieveResponse.string(base64, into: &buffer)
            buffer.writeString("\r\n")
        case .script(let source):
            ManageSieveResponse.literal(Array(source.utf8), into: &buffer)
            buffer.writeString("\r\n")
            ManageSieveResponse.status(.ok, text: "GETSCRIPT completed", into: &buffer)
        case .scripts(let entries):
            for entry in entries {
                ManageSieveResponse.string(entry.name, into: &buffer)
                buffer.writeString(entry.active ? " ACTIVE\r\n" : "\r\n")
            }
            ManageSieveResponse.status(.ok, text: "LISTSCRIPTS completed", into: &buffer)
        }
    }
}

/// The async work a command needs (`ManageSieveStepRunner` does it).
enum ManageSieveStep: Sendable {
    case authenticate(mechanism: String, initialResponse: String?, tlsActive: Bool)
    case continueAuthentication(SASLLogin, response: String)
    /// After a login: the account behind the SASL identity.
    case openAccount(username: String)
    case haveSpace(ManageSieveUser, name: String, size: Int)
    case put(ManageSieveUser, name: String, script: String)
    case list(ManageSieveUser)
    /// nil deactivates (§2.8 with the empty name).
    case setActive(ManageSieveUser, name: String?)
    case get(ManageSieveUser, name: String)
    case delete(ManageSieveUser, name: String)
    case rename(ManageSieveUser, from: String, to: String)
    case check(ManageSieveUser, script: String)
}

enum ManageSieveStepResult: Sendable {
    case login(SASLLogin.Step)
    case account(Result<ManageSieveUser, ManageSieveFailure>)
    /// A command's reply, or why it failed.
    case done(Result<ManageSieveReply, ManageSieveFailure>)
}
