/// SCRAM-SHA-1, SCRAM-SHA-256 and their -PLUS variants (RFC 5802, RFC 7677), server side.
///
///   C: client-first-message   (gs2-header, n=user, r=cnonce)
///   S: server-first-message   (r=cnonce+snonce, s=salt, i=iterations)
///   C: client-final-message   (c=cbind-input, r=nonce, p=ClientProof)
///   S: server-final-message   (v=ServerSignature), or e=error
///
/// The -PLUS variants bind to the TLS channel with `tls-exporter` (RFC 9266 §2): the TLS layer
/// supplies the 32 exporter bytes. Only that binding type is supported.
public struct SCRAMMechanism: SASLServerMechanism {
    public let name: SASLMechanismName
    public var attemptedUsername: String? { clientFirst?.username }
    private let hash: SCRAMHash
    private let lookup: any SASLCredentialLookup
    private let configuration: SASLServerConfiguration
    private let channelBinding: SASLChannelBinding?
    private var state = State.awaitingClientFirst
    private var clientFirst: SCRAMClientFirst?

    private enum State {
        case awaitingClientFirst
        case awaitingClientFinal(serverFirst: String, nonce: String, credentials: SCRAMCredentials, known: Bool)
        case finished
    }

    /// `channelBinding` is the connection's binding data when the -PLUS variants were advertised
    /// on it, nil otherwise. It decides the "y" flag check (RFC 5802 §6) as well as -PLUS itself.
    /// Returns nil for a -PLUS mechanism without channel binding, and for non-SCRAM names.
    public init?(
        _ name: SASLMechanismName, lookup: any SASLCredentialLookup,
        configuration: SASLServerConfiguration, channelBinding: SASLChannelBinding?
    ) {
        guard let hash = name.scramHash, !name.usesChannelBinding || channelBinding != nil else { return nil }
        self.name = name
        self.hash = hash
        self.lookup = lookup
        self.configuration = configuration
        self.channelBinding = channelBinding
    }

    /// SCRAM is client-first (RFC 5802 §5): without an initial response, send an empty challenge.
    public mutating func start(initialResponse: [UInt8]?) async -> SASLStep {
        guard let initialResponse else { return .challenge([]) }
        return await step(clientResponse: initialResponse)
    }

    public mutating func step(clientResponse: [UInt8]) async -> SASLStep {
        switch state {
        case .awaitingClientFirst:
            return await receiveClientFirst(clientResponse)
        case .awaitingClientFinal(let serverFirst, let nonce, let credentials, let known):
            state = .finished
            return receiveClientFinal(clientResponse, serverFirst: serverFirst, nonce: nonce, credentials: credentials, known: known)
        case .finished:
            return .failure(.malformedResponse(reason: "SCRAM exchange already finished"))
        }
    }

    private mutating func receiveClientFirst(_ bytes: [UInt8]) async -> SASLStep {
        state = .finished
        let message: SCRAMClientFirst
        switch SCRAMClientFirst.parse(bytes) {
        case .success(let parsed): message = parsed
        case .failure(let error): return Self.fail(error)
        }
        clientFirst = message
        if let error = checkChannelBindingFlag(message.flag) { return Self.fail(error) }

        let stored: SCRAMCredentials?
        switch await CredentialFetch.run(lookup, message.username) {
        case .success(let account): stored = account?.scram(for: hash)
        case .failure(let failure): return .failure(failure)
        }
        // Unknown users continue with dummy keys: same salt on every attempt, same iteration
        // count, and the same "invalid-proof" at the end (RFC 5802 §5.1 allows hiding
        // "unknown-user" behind another error).
        let credentials = stored ?? configuration.dummySCRAM(for: message.username, hash: hash)
        let nonce = message.clientNonce + configuration.makeNonce()
        // server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
        let serverFirst = "r=\(nonce),s=\(SASLBase64.encode(credentials.salt)),i=\(credentials.iterations)"
        state = .awaitingClientFinal(serverFirst: serverFirst, nonce: nonce, credentials: credentials, known: stored != nil)
        return .challenge(Array(serverFirst.utf8))
    }

    /// RFC 5802 §6 and RFC 5801 §5: the flag must agree with the mechanism chosen and with what
    /// was advertised.
    private func checkChannelBindingFlag(_ flag: SCRAMChannelBindingFlag) -> SCRAMServerError? {
        switch flag {
        case .required(let type):
            guard name.usesChannelBinding else { return .channelBindingNotSupported }
            return type == SASLChannelBinding.typeName ? nil : .unsupportedChannelBindingType
        case .clientThinksServerDoesNot:
            if name.usesChannelBinding { return .otherError }
            // The client saw no -PLUS while we offered it: a downgrade (RFC 5802 §6).
            return channelBinding != nil ? .serverDoesSupportChannelBinding : nil
        case .clientDoesNotSupport:
            return name.usesChannelBinding ? .otherError : nil
        }
    }

    private func receiveClientFinal(
        _ bytes: [UInt8], serverFirst: String, nonce: String, credentials: SCRAMCredentials, known: Bool
    ) -> SASLStep {
        guard let clientFirst else { return Self.fail(.otherError) }
        let message: SCRAMClientFinal
        switch SCRAMClientFinal.parse(bytes) {
        case .success(let parsed): message = parsed
        case .failure(let error): return Self.fail(error)
        }
        // RFC 5802 §7 cbind-input = gs2-header [ cbind-data ]; cbind-data only with "p".
        var expectedBinding = Array(clientFirst.gs2Header.utf8)
        if case .required = clientFirst.flag, let channelBinding { expectedBinding += channelBinding.data }
        guard ConstantTime.equal(message.channelBinding, expectedBinding) else { return Self.fail(.channelBindingsDontMatch) }
        guard message.nonce == nonce else { return Self.fail(.otherError) }

        // RFC 5802 §3:
        //   AuthMessage     = client-first-message-bare + "," + server-first-message + "," +
        //                     client-final-message-without-proof
        //   ClientSignature = HMAC(StoredKey, AuthMessage)
        //   ClientKey       = ClientProof XOR ClientSignature;  valid iff H(ClientKey) == StoredKey
        //   ServerSignature = HMAC(ServerKey, AuthMessage)
        let authMessage = Array("\(clientFirst.bare),\(serverFirst),\(message.withoutProof)".utf8)
        let clientSignature = hash.hmac(key: credentials.storedKey, authMessage)
        guard message.proof.count == clientSignature.count else { return Self.fail(.invalidProof) }
        let clientKey = zip(message.proof, clientSignature).map { $0 ^ $1 }
        let proofValid = ConstantTime.equal(hash.hash(clientKey), credentials.storedKey)
        guard proofValid, known else { return Self.fail(.invalidProof) }
        // RFC 5802 §5.1 "a": an authzid naming someone else needs authorization Hato does not grant.
        if let authzid = clientFirst.authzid, authzid != clientFirst.username {
            return .failure(.authorizationDenied, serverFinal: SCRAMServerError.otherError.serverFinal)
        }
        let serverSignature = hash.hmac(key: credentials.serverKey, authMessage)
        return .success(
            serverFinal: Array("v=\(SASLBase64.encode(serverSignature))".utf8),
            identity: SASLIdentity(username: clientFirst.username, mechanism: name)
        )
    }

    /// Maps a SCRAM error to the failure reported to the protocol, with the `e=` message.
    private static func fail(_ error: SCRAMServerError) -> SASLStep {
        let failure: SASLFailure = switch error {
        case .invalidProof, .channelBindingsDontMatch, .serverDoesSupportChannelBinding:
            .invalidCredentials
        case .invalidEncoding, .extensionsNotSupported, .channelBindingNotSupported,
             .unsupportedChannelBindingType, .invalidUsernameEncoding, .otherError:
            .malformedResponse(reason: "SCRAM \(error.rawValue)")
        }
        return .failure(failure, serverFinal: error.serverFinal)
    }
}

/// Channel binding data for the -PLUS mechanisms: the `tls-exporter` value of RFC 9266 §2,
/// i.e. the TLS exporter with label "EXPORTER-Channel-Binding", empty context, 32 bytes. The TLS
/// layer computes it per connection; nothing here derives it.
public struct SASLChannelBinding: Sendable, Equatable {
    public static let typeName = "tls-exporter"
    /// RFC 9266 §2: the exporter label and output length.
    public static let exporterLabel = "EXPORTER-Channel-Binding"
    public static let exporterLength = 32

    public let data: [UInt8]

    public init(tlsExporter data: [UInt8]) {
        self.data = data
    }
}
