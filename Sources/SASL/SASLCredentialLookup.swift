import Crypto
import Foundation

/// Everything one account stores for authentication: never a password.
public struct SASLAccountCredentials: Sendable, Equatable {
    /// SCRAM keys, one per hash (MailStore keeps SHA-256 and SHA-1). PLAIN and LOGIN are verified
    /// against the SHA-256 entry when present.
    public var scram: [SCRAMCredentials]
    /// Present only for accounts that opted into CRAM-MD5.
    public var cramMD5: CRAMMD5Credentials?

    public init(scram: [SCRAMCredentials], cramMD5: CRAMMD5Credentials? = nil) {
        self.scram = scram
        self.cramMD5 = cramMD5
    }

    func scram(for hash: SCRAMHash) -> SCRAMCredentials? { scram.first { $0.hash == hash } }

    /// The key PLAIN and LOGIN check a password against: SHA-256 first.
    var passwordVerifier: SCRAMCredentials? { scram(for: .sha256) ?? scram(for: .sha1) }
}

/// How mechanisms find an account's credentials. Return nil for unknown, disabled or
/// credential-less accounts; the mechanism then continues with dummy credentials so the client
/// sees the same replies after the same work. Throw a `SASLFailure` (e.g. `.tooManyFailures`
/// when the account is locked out) to end the exchange with it; any other error is reported as
/// `.temporaryFailure`.
public protocol SASLCredentialLookup: Sendable {
    func credentials(for username: String) async throws -> SASLAccountCredentials?
}

/// A lookup made from a closure.
public struct SASLClosureLookup: SASLCredentialLookup {
    private let body: @Sendable (String) async throws -> SASLAccountCredentials?

    public init(_ body: @escaping @Sendable (String) async throws -> SASLAccountCredentials?) {
        self.body = body
    }

    public func credentials(for username: String) async throws -> SASLAccountCredentials? {
        try await body(username)
    }
}

/// Server-wide settings shared by every exchange.
public struct SASLServerConfiguration: Sendable {
    /// Host name in CRAM-MD5 challenges (RFC 2195 §2: `<random.timestamp@hostname>`).
    public var hostname: String
    /// Iteration count of the dummy credentials used for unknown users: set it to the count new
    /// passwords are derived with, so an unknown user costs the same PBKDF2 work as a known one.
    public var iterations: Int
    /// Keys the dummy salts, so an unknown user gets the same salt every time (a random salt per
    /// attempt would betray that the account does not exist). Random per process by default.
    public var dummySecret: [UInt8]
    /// Server nonce for SCRAM (RFC 5802 §5.1 "r="): printable, no ",". CSPRNG by default; tests
    /// inject a fixed one.
    public var makeNonce: @Sendable () -> String
    /// Where PLAIN/LOGIN passwords are checked (PBKDF2): the process-wide gate unless a test
    /// gives its own.
    public var passwordChecks: PasswordCheckGate = .shared

    public init(
        hostname: String,
        iterations: Int = SCRAMCredentials.defaultIterations,
        dummySecret: [UInt8] = SASLRandom.bytes(32),
        makeNonce: @escaping @Sendable () -> String = { SASLRandom.nonce() }
    ) {
        self.hostname = hostname
        self.iterations = max(iterations, SCRAMCredentials.minimumIterations)
        self.dummySecret = dummySecret
        self.makeNonce = makeNonce
    }

    /// Stand-in SCRAM keys for an unknown user: deterministic per (user, hash) for this secret,
    /// matching no password. Verifying a password against them costs one full PBKDF2.
    func dummySCRAM(for username: String, hash: SCRAMHash) -> SCRAMCredentials {
        let salt = Array(dummyBytes("salt", hash.rawValue, username).prefix(SCRAMCredentials.saltLength))
        let stored = Array(dummyBytes("stored", hash.rawValue, username).prefix(hash.outputByteCount))
        let server = Array(dummyBytes("server", hash.rawValue, username).prefix(hash.outputByteCount))
        return SCRAMCredentials(hash: hash, salt: salt, iterations: iterations, storedKey: stored, serverKey: server)
    }

    /// Stand-in CRAM-MD5 states for an unknown or not-opted-in user.
    func dummyCRAMMD5(for username: String) -> CRAMMD5Credentials {
        CRAMMD5Credentials(unchecked: dummyBytes("cram-md5", "", username))
    }

    private func dummyBytes(_ label: String, _ hash: String, _ username: String) -> [UInt8] {
        let input = Array("\(label)\u{0}\(hash)\u{0}\(username)".utf8)
        return Array(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: dummySecret)))
    }
}

/// Randomness from the system CSPRNG (`SystemRandomNumberGenerator`: getrandom/arc4random).
public enum SASLRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// 18 random bytes as base64: 24 printable characters, none of them "," (RFC 5802 §7).
    public static func nonce() -> String { Data(bytes(18)).base64EncodedString() }
}

/// Runs a lookup, turning thrown errors into the failure the exchange ends with.
enum CredentialFetch {
    static func run(
        _ lookup: any SASLCredentialLookup, _ username: String
    ) async -> Result<SASLAccountCredentials?, SASLFailure> {
        do {
            return .success(try await lookup.credentials(for: username))
        } catch let failure as SASLFailure {
            return .failure(failure)
        } catch {
            return .failure(.temporaryFailure)
        }
    }
}
