/// Checks a cleartext password (PLAIN, LOGIN) against the stored SCRAM keys: PBKDF2 with the
/// stored salt and iterations, then StoredKey compared in constant time. Unknown users go through
/// the same steps against dummy keys, so the reply and the work are the same.
enum PasswordCheck {
    static func verify(
        username: String, password: String,
        lookup: any SASLCredentialLookup, configuration: SASLServerConfiguration
    ) async -> SASLFailure? {
        let account: SASLAccountCredentials?
        switch await CredentialFetch.run(lookup, username) {
        case .success(let found): account = found
        case .failure(let failure): return failure
        }
        let real = account?.passwordVerifier
        let verifier = real ?? configuration.dummySCRAM(for: username, hash: .sha256)
        // PBKDF2 off the cooperative pool, bounded process-wide (PasswordCheckGate).
        guard let matches = await configuration.passwordChecks.run({ verifier.verify(password: password) }) else {
            return .temporaryFailure
        }
        return matches && real != nil ? nil : .invalidCredentials
    }
}

/// PLAIN (RFC 4616): one client message, no server data.
public struct PlainMechanism: SASLServerMechanism {
    public let name = SASLMechanismName.plain
    public private(set) var attemptedUsername: String?
    private let lookup: any SASLCredentialLookup
    private let configuration: SASLServerConfiguration
    private var finished = false

    public init(lookup: any SASLCredentialLookup, configuration: SASLServerConfiguration) {
        self.lookup = lookup
        self.configuration = configuration
    }

    /// RFC 4616 §2: PLAIN is client-first; without an initial response the server sends an
    /// empty challenge.
    public mutating func start(initialResponse: [UInt8]?) async -> SASLStep {
        guard let initialResponse else { return .challenge([]) }
        return await step(clientResponse: initialResponse)
    }

    public mutating func step(clientResponse: [UInt8]) async -> SASLStep {
        guard !finished else { return .failure(.malformedResponse(reason: "PLAIN exchange already finished")) }
        finished = true
        let message: PlainMessage
        switch PlainMessage.parse(clientResponse) {
        case .success(let parsed): message = parsed
        case .failure(let failure): return .failure(failure)
        }
        attemptedUsername = message.authcid
        if let failure = await PasswordCheck.verify(
            username: message.authcid, password: message.password, lookup: lookup, configuration: configuration
        ) {
            return .failure(failure)
        }
        // RFC 4616 §2: an authzid equal to the authcid is the same as none; any other is a
        // request to act as someone else, which Hato does not grant.
        if let authzid = message.authzid, authzid != message.authcid { return .failure(.authorizationDenied) }
        return .success(serverFinal: nil, identity: SASLIdentity(username: message.authcid, mechanism: name))
    }
}

/// The PLAIN client message.
struct PlainMessage: Equatable {
    let authzid: String?
    let authcid: String
    let password: String

    // RFC 4616 §2:
    //   message   = [authzid] UTF8NUL authcid UTF8NUL passwd
    //   authcid   = 1*SAFE ; MUST accept up to 255 octets
    //   authzid   = 1*SAFE ; MUST accept up to 255 octets
    //   passwd    = 1*SAFE ; MUST accept up to 255 octets
    //   UTF8NUL   = %x00 ; UTF-8 encoded NUL character
    //   SAFE      = UTF1 / UTF2 / UTF3 / UTF4 ; any UTF-8 encoded Unicode character except NUL
    static func parse(_ bytes: [UInt8]) -> Result<PlainMessage, SASLFailure> {
        guard bytes.count <= SASLLimits.plainMessageBytes else {
            return .failure(.malformedResponse(reason: "PLAIN message too long"))
        }
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false)
        guard fields.count == 3 else {
            return .failure(.malformedResponse(reason: "PLAIN message needs exactly two NUL separators"))
        }
        guard !fields[1].isEmpty, !fields[2].isEmpty else {
            return .failure(.malformedResponse(reason: "PLAIN authcid and passwd must not be empty"))
        }
        guard let authzid = UTF8Text.decode(fields[0]),
              let authcid = UTF8Text.decode(fields[1]),
              let password = UTF8Text.decode(fields[2])
        else { return .failure(.malformedResponse(reason: "PLAIN message is not UTF-8")) }
        return .success(PlainMessage(authzid: authzid.isEmpty ? nil : authzid, authcid: authcid, password: password))
    }
}

/// LOGIN (draft-murchison-sasl-login-00, obsolete but what many clients send): the server asks
/// "Username:" then "Password:", each answered in one client message. An initial response is
/// taken as the username.
public struct LoginMechanism: SASLServerMechanism {
    public let name = SASLMechanismName.login
    public private(set) var attemptedUsername: String?
    private let lookup: any SASLCredentialLookup
    private let configuration: SASLServerConfiguration
    private var state = State.start

    private enum State { case start, awaitingUsername, awaitingPassword(String), finished }
    static let usernamePrompt = Array("Username:".utf8)
    static let passwordPrompt = Array("Password:".utf8)

    public init(lookup: any SASLCredentialLookup, configuration: SASLServerConfiguration) {
        self.lookup = lookup
        self.configuration = configuration
    }

    public mutating func start(initialResponse: [UInt8]?) async -> SASLStep {
        guard case .start = state else { return finish(.malformedResponse(reason: "LOGIN already started")) }
        state = .awaitingUsername
        guard let initialResponse else { return .challenge(Self.usernamePrompt) }
        return await step(clientResponse: initialResponse)
    }

    public mutating func step(clientResponse: [UInt8]) async -> SASLStep {
        guard clientResponse.count <= SASLLimits.fieldBytes else {
            return finish(.malformedResponse(reason: "LOGIN field too long"))
        }
        switch state {
        case .awaitingUsername:
            guard !clientResponse.isEmpty, !clientResponse.contains(0),
                  let username = UTF8Text.decode(clientResponse)
            else { return finish(.malformedResponse(reason: "LOGIN username empty or not UTF-8")) }
            attemptedUsername = username
            state = .awaitingPassword(username)
            return .challenge(Self.passwordPrompt)
        case .awaitingPassword(let username):
            state = .finished
            guard !clientResponse.contains(0), let password = UTF8Text.decode(clientResponse) else {
                return .failure(.malformedResponse(reason: "LOGIN password not UTF-8"))
            }
            if let failure = await PasswordCheck.verify(
                username: username, password: password, lookup: lookup, configuration: configuration
            ) {
                return .failure(failure)
            }
            return .success(serverFinal: nil, identity: SASLIdentity(username: username, mechanism: name))
        case .start, .finished:
            return finish(.malformedResponse(reason: "LOGIN step out of order"))
        }
    }

    private mutating func finish(_ failure: SASLFailure) -> SASLStep {
        state = .finished
        return .failure(failure)
    }
}
