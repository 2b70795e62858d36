import Foundation

/// CRAM-MD5 (RFC 2195): the server sends a unique challenge, the client answers with its user
/// name and HMAC-MD5(password, challenge) in hex. Checked against the stored key schedule
/// (`CRAMMD5Credentials`); accounts that did not opt in, and unknown users, are checked against
/// dummy states so the reply and the work are the same.
public struct CRAMMD5Mechanism: SASLServerMechanism {
    public let name = SASLMechanismName.cramMD5
    public private(set) var attemptedUsername: String?
    private let lookup: any SASLCredentialLookup
    private let configuration: SASLServerConfiguration
    private let fixedChallenge: [UInt8]?
    private var state = State.start

    private enum State { case start, awaitingResponse([UInt8]), finished }

    public init(lookup: any SASLCredentialLookup, configuration: SASLServerConfiguration) {
        self.init(lookup: lookup, configuration: configuration, challenge: nil)
    }

    /// Tests pin the challenge to reproduce RFC 2195's example.
    init(lookup: any SASLCredentialLookup, configuration: SASLServerConfiguration, challenge: [UInt8]?) {
        self.lookup = lookup
        self.configuration = configuration
        self.fixedChallenge = challenge
    }

    /// RFC 2195 §2: the challenge has the form of an RFC 822 msg-id,
    /// `"<" random-digits "." timestamp "@" hostname ">"`; it must be unique per exchange.
    static func makeChallenge(hostname: String) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let random = UInt64.random(in: .min ... .max, using: &generator)
        let timestamp = UInt64(Date().timeIntervalSince1970)
        return Array("<\(random).\(timestamp)@\(hostname)>".utf8)
    }

    /// CRAM-MD5 is server-first: an initial response is a protocol error (RFC 4422 §5 item 2a).
    public mutating func start(initialResponse: [UInt8]?) async -> SASLStep {
        guard case .start = state, initialResponse == nil else {
            state = .finished
            return .failure(.malformedResponse(reason: "CRAM-MD5 takes no initial response"))
        }
        let challenge = fixedChallenge ?? Self.makeChallenge(hostname: configuration.hostname)
        state = .awaitingResponse(challenge)
        return .challenge(challenge)
    }

    public mutating func step(clientResponse: [UInt8]) async -> SASLStep {
        guard case .awaitingResponse(let challenge) = state else {
            state = .finished
            return .failure(.malformedResponse(reason: "CRAM-MD5 step out of order"))
        }
        state = .finished
        let response: (username: String, digest: [UInt8])
        switch Self.parse(clientResponse) {
        case .success(let parsed): response = parsed
        case .failure(let failure): return .failure(failure)
        }
        attemptedUsername = response.username
        let stored: CRAMMD5Credentials?
        switch await CredentialFetch.run(lookup, response.username) {
        case .success(let account): stored = account?.cramMD5
        case .failure(let failure): return .failure(failure)
        }
        let verifier = stored ?? configuration.dummyCRAMMD5(for: response.username)
        guard verifier.verify(challenge: challenge, digest: response.digest), stored != nil else {
            return .failure(.invalidCredentials)
        }
        return .success(serverFinal: nil, identity: SASLIdentity(username: response.username, mechanism: name))
    }

    // RFC 2195 §2: "a string consisting of the user name, a space, and a 'digest'", the digest
    // being 16 octets as 32 lowercase hex digits. The user name may itself contain spaces, so the
    // last space separates. Upper-case hex is tolerated.
    //   response = username SP 32HEXDIG
    static func parse(_ bytes: [UInt8]) -> Result<(username: String, digest: [UInt8]), SASLFailure> {
        guard bytes.count <= SASLLimits.fieldBytes, let text = UTF8Text.decode(bytes),
              let space = text.lastIndex(of: " ")
        else { return .failure(.malformedResponse(reason: "CRAM-MD5 response is not 'user digest'")) }
        let username = String(text[..<space])
        let hex = text[text.index(after: space)...]
        guard !username.isEmpty, hex.utf8.count == 32, let digest = Hex.decode(hex) else {
            return .failure(.malformedResponse(reason: "CRAM-MD5 digest is not 32 hex digits"))
        }
        return .success((username, digest))
    }
}
