import ManageSieveProtocol
import SASL

/// Every way a ManageSieve command or session can fail. `response` is the one place a failure
/// becomes its NO or BYE: the status, the RFC 5804 §1.3 response code and the text.
enum ManageSieveFailure: Error, Equatable, Sendable {
    /// A command line over `[limits] max_line_length`.
    case lineTooLong
    /// A literal over the limit (the script size once logged in); PUTSCRIPT and CHECKSCRIPT
    /// hear QUOTA/MAXSIZE (§2.6).
    case literalTooLarge(keyword: String, limit: Int)
    case tooManyLiterals
    case unparsable(ManageSieveParseError)
    /// A literal of more than 4294967295 octets: the session cannot stay in step (BYE).
    case unrecoverableInput
    case authenticateFirst
    case alreadyAuthenticated
    case notAuthenticated
    case tlsAlreadyActive
    case tlsUnavailable
    /// STARTTLS after login (§2.2: only in the non-authenticated state).
    case tlsAfterLogin
    /// AUTHENTICATE refused: the SASL module's failure, mapped to §1.3 codes.
    case authentication(SASLFailure)
    case accountUnavailable
    case invalidName(String)
    /// §2.5, §2.6: QUOTA/MAXSIZE.
    case scriptTooLarge(limit: Int)
    /// §2.5, §2.6: QUOTA/MAXSCRIPTS.
    case tooManyScripts(limit: Int)
    /// The compiler's first error, "line L, column C: ..." (§2.6, §2.12).
    case compile(String)
    case nonexistent(String)
    /// §2.10: the active script cannot be deleted.
    case active(String)
    case alreadyExists(String)
    /// The store failed; the client may try again (TRYLATER).
    case storeUnavailable
    case idle
    case loginTookTooLong
    case shuttingDown

    var response: (status: ManageSieveResponse.Status, code: ManageSieveResponseCode?, text: String) {
        switch self {
        case .lineTooLong: (.no, nil, "Line too long")
        case .literalTooLarge(let keyword, let limit):
            ["PUTSCRIPT", "CHECKSCRIPT"].contains(keyword)
                ? (.no, .quotaMaxSize, "Script exceeds the maximum size of \(limit) octets")
                : (.no, nil, "Literal exceeds \(limit) octets")
        case .tooManyLiterals: (.no, nil, "Too many literals in one command")
        case .unparsable(let error): (.no, nil, error.description)
        case .unrecoverableInput: (.bye, nil, "Literal larger than 4294967295 octets")
        case .authenticateFirst: (.no, nil, "Authenticate first")
        case .alreadyAuthenticated: (.no, nil, "Already authenticated")
        case .notAuthenticated: (.no, nil, "Not authenticated")
        case .tlsAlreadyActive: (.no, nil, "TLS is already active")
        case .tlsUnavailable: (.no, nil, "TLS is not available")
        case .tlsAfterLogin: (.no, nil, "STARTTLS is only allowed before authentication")
        case .authentication(let failure): Self.saslResponse(failure)
        case .accountUnavailable: (.no, .tryLater, "Cannot open the account now")
        case .invalidName(let why): (.no, nil, why)
        case .scriptTooLarge(let limit): (.no, .quotaMaxSize, "Script exceeds the maximum size of \(limit) octets")
        case .tooManyScripts(let limit): (.no, .quotaMaxScripts, "At most \(limit) scripts per account")
        case .compile(let error): (.no, nil, error)
        case .nonexistent(let name): (.no, .nonexistent, "There is no script named \"\(name)\"")
        case .active(let name): (.no, .active, "Script \"\(name)\" is active; deactivate it first")
        case .alreadyExists(let name): (.no, .alreadyExists, "A script named \"\(name)\" already exists")
        case .storeUnavailable: (.no, .tryLater, "Scripts cannot be read or written now")
        case .idle: (.bye, nil, "Disconnected for inactivity")
        case .loginTookTooLong: (.bye, nil, "Login took too long")
        case .shuttingDown: (.bye, .tryLater, "Server shutting down")
        }
    }

    /// RFC 5804 §1.3: ENCRYPT-NEEDED before TLS, AUTH-TOO-WEAK, TRYLATER for the throttle.
    private static func saslResponse(_ failure: SASLFailure) -> (ManageSieveResponse.Status, ManageSieveResponseCode?, String) {
        switch failure {
        case .encryptionRequired: (.no, .encryptNeeded, "Use STARTTLS before authenticating with this mechanism")
        case .mechanismTooWeak: (.no, .authTooWeak, "Authentication mechanism is too weak")
        case .tooManyFailures, .temporaryFailure: (.no, .tryLater, failure.imapReply.text)
        default: (.no, nil, failure.imapReply.text)
        }
    }
}
