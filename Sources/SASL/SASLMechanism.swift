/// The mechanisms Hato implements. DIGEST-MD5 is deliberately absent (RFC 6331 made it historic).
public enum SASLMechanismName: String, Sendable, Codable, CaseIterable, Hashable {
    case plain = "PLAIN"
    case login = "LOGIN"
    case cramMD5 = "CRAM-MD5"
    case scramSHA1 = "SCRAM-SHA-1"
    case scramSHA1Plus = "SCRAM-SHA-1-PLUS"
    case scramSHA256 = "SCRAM-SHA-256"
    case scramSHA256Plus = "SCRAM-SHA-256-PLUS"

    /// RFC 4422 §3.1: mechanism names are upper case; SMTP (RFC 4954 §4), IMAP and POP3 compare
    /// them case-insensitively, so this does too.
    public init?(wireName: some StringProtocol) {
        self.init(rawValue: wireName.uppercased())
    }

    /// PLAIN and LOGIN put the password itself on the wire (base64 is not protection).
    public var sendsPasswordInClear: Bool { self == .plain || self == .login }

    /// The -PLUS variants bind the exchange to the TLS channel (RFC 5802 §6, RFC 9266).
    public var usesChannelBinding: Bool { self == .scramSHA1Plus || self == .scramSHA256Plus }

    public var scramHash: SCRAMHash? {
        switch self {
        case .scramSHA1, .scramSHA1Plus: .sha1
        case .scramSHA256, .scramSHA256Plus: .sha256
        case .plain, .login, .cramMD5: nil
        }
    }
}

/// Who logged in. `username` is the authentication identity (RFC 4422 §2) exactly as the client
/// sent it (after SCRAM's saslname unescaping); `authorizationID` is set only when the client asked
/// to act as someone else. Mechanisms refuse that case today (`SASLFailure.authorizationDenied`),
/// so on success it is always nil; the field keeps the shape ready for delegated access.
public struct SASLIdentity: Sendable, Equatable, Hashable {
    public let username: String
    public let authorizationID: String?
    public let mechanism: SASLMechanismName

    public init(username: String, authorizationID: String? = nil, mechanism: SASLMechanismName) {
        self.username = username
        self.authorizationID = authorizationID
        self.mechanism = mechanism
    }
}

/// What a mechanism asks the server to do next. Bytes are raw (not base64); the wire helpers in
/// `SASLServerExchange` encode them.
public enum SASLStep: Sendable, Equatable {
    /// Send a challenge and wait for the client's response (RFC 4422 §3.4).
    case challenge([UInt8])
    /// Authentication succeeded. `serverFinal` is "additional data with success" (RFC 4422 §3.6),
    /// e.g. SCRAM's `v=` verifier; protocols that cannot carry it send it as a last challenge.
    case success(serverFinal: [UInt8]?, identity: SASLIdentity)
    /// Authentication failed. `serverFinal` is an optional last message explaining why (SCRAM's
    /// `e=` server-error, RFC 5802 §5.1), delivered as a challenge before the failure reply.
    case failure(SASLFailure, serverFinal: [UInt8]? = nil)
}

/// A server-side mechanism: a state machine driven one client message at a time.
/// `start` is called once; then `step` for each client response until success or failure.
/// Calling either after an outcome yields `.failure(.malformedResponse)`.
public protocol SASLServerMechanism: Sendable {
    var name: SASLMechanismName { get }
    /// The authentication identity the client has claimed so far, for throttling and logs; nil
    /// until the client has sent it. Never a password.
    var attemptedUsername: String? { get }
    /// `initialResponse` is nil when the client sent none and `[]` for an empty one (`=`).
    mutating func start(initialResponse: [UInt8]?) async -> SASLStep
    mutating func step(clientResponse: [UInt8]) async -> SASLStep
}

/// Why an authentication failed. Each case maps to one reply per protocol (`SASLReply`).
public enum SASLFailure: Error, Sendable, Equatable, Hashable {
    /// Wrong password, unknown user, bad proof: deliberately indistinguishable.
    case invalidCredentials
    /// Valid credentials, but the client asked to act as another identity (authzid).
    case authorizationDenied
    /// The client's message violates the mechanism's grammar. The reason is for logs; it never
    /// contains client data.
    case malformedResponse(reason: String)
    /// The client's line was not valid base64 (RFC 4954 §4, RFC 3501 §6.2.2).
    case invalidBase64
    /// The client sent `*` (RFC 4422 §3.5).
    case cancelled
    /// A client line longer than `SASLLimits.responseLineBytes` (RFC 4954 §6: 500 5.5.6).
    case lineTooLong
    /// This mechanism may only be used over TLS here (RFC 4954 §6: 538 5.7.11).
    case encryptionRequired
    /// Policy demands a stronger mechanism for this account (RFC 4954 §6: 534 5.7.9).
    case mechanismTooWeak
    /// Unknown mechanism, or one not offered on this connection (RFC 4954 §4: 504 5.5.4).
    case unsupportedMechanism
    /// The credential store could not answer (RFC 4954 §6: 454 4.7.0).
    case temporaryFailure
    /// Too many failures from this client or for this account (`AuthThrottle`).
    case tooManyFailures

    /// Whether the failure is a wrong guess the brute-force limiter should count: only failed
    /// credential checks. Syntax errors prove nothing and authorization refusals follow a
    /// correct password.
    public var isFailedCredentialCheck: Bool { self == .invalidCredentials }
}

/// Bounds on client input, one place (house style: every limit named with its source).
public enum SASLLimits {
    /// RFC 4616 §2: servers MUST accept authzid, authcid and passwd of 255 octets each; PLAIN
    /// messages beyond three times that plus separators are refused.
    public static let plainMessageBytes = 3 * 1024
    /// Longest SCRAM client message accepted (RFC 5802 sets none; real ones are ~200 bytes).
    public static let scramMessageBytes = 4096
    /// Longest LOGIN username or password, and CRAM-MD5 response.
    public static let fieldBytes = 1024
    /// Longest base64 client line before decoding (RFC 4954 §4 lets servers bound it).
    public static let responseLineBytes = 12288
}
