import Crypto
import _CryptoExtras
import Foundation

/// The hash a SCRAM mechanism is built on (RFC 5802 §5, RFC 7677).
public enum SCRAMHash: String, Sendable, Codable, CaseIterable {
    case sha1 = "SHA-1"
    case sha256 = "SHA-256"

    var outputByteCount: Int { self == .sha1 ? Insecure.SHA1.byteCount : SHA256.byteCount }

    func hash(_ data: some DataProtocol) -> [UInt8] {
        switch self {
        case .sha1: Array(Insecure.SHA1.hash(data: data))
        case .sha256: Array(SHA256.hash(data: data))
        }
    }

    func hmac(key: some ContiguousBytes, _ data: some DataProtocol) -> [UInt8] {
        let key = SymmetricKey(data: key)
        switch self {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: key))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
        }
    }
}

/// What the server keeps for one SCRAM mechanism instead of a password (RFC 5802 §3):
///   SaltedPassword = Hi(Normalize(password), salt, i)
///   StoredKey      = H(HMAC(SaltedPassword, "Client Key"))
///   ServerKey      = HMAC(SaltedPassword, "Server Key")
/// From these the server can run SCRAM and verify a plaintext password (PLAIN, LOGIN) without
/// ever having stored it.
public struct SCRAMCredentials: Sendable, Codable, Equatable {
    public let hash: SCRAMHash
    public let salt: [UInt8]
    public let iterations: Int
    public let storedKey: [UInt8]
    public let serverKey: [UInt8]

    /// RFC 7677 §4 asks for at least 4096 iterations; we default higher.
    public static let defaultIterations = 10_000
    public static let minimumIterations = 4096
    static let saltLength = 16

    public init(hash: SCRAMHash, salt: [UInt8], iterations: Int, storedKey: [UInt8], serverKey: [UInt8]) {
        self.hash = hash
        self.salt = salt
        self.iterations = iterations
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    /// Derives credentials from a password with a fresh random salt (CSPRNG).
    public static func derive(
        password: String, hash: SCRAMHash, iterations: Int = defaultIterations
    ) throws -> SCRAMCredentials {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return try derive(password: password, hash: hash, salt: salt, iterations: iterations)
    }

    public static func derive(
        password: String, hash: SCRAMHash, salt: [UInt8], iterations: Int
    ) throws -> SCRAMCredentials {
        let salted = try saltedPassword(password: password, hash: hash, salt: salt, iterations: iterations)
        let clientKey = hash.hmac(key: salted, Array("Client Key".utf8))
        return SCRAMCredentials(
            hash: hash, salt: salt, iterations: iterations,
            storedKey: hash.hash(clientKey),
            serverKey: hash.hmac(key: salted, Array("Server Key".utf8))
        )
    }

    /// Hi() of RFC 5802 §2.2 is PBKDF2 with HMAC as the PRF and dkLen the hash length.
    public static func saltedPassword(
        password: String, hash: SCRAMHash, salt: [UInt8], iterations: Int
    ) throws -> [UInt8] {
        guard iterations >= minimumIterations else { throw SASLError.iterationCountTooLow(iterations) }
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(SASLPrep.prepare(password).utf8), salt: salt,
            using: hash == .sha1 ? .insecureSHA1 : .sha256,
            outputByteCount: hash.outputByteCount, unsafeUncheckedRounds: iterations
        )
        return key.withUnsafeBytes { Array($0) }
    }

    /// Checks a plaintext password against the stored keys in constant time.
    public func verify(password: String) -> Bool {
        guard let candidate = try? SCRAMCredentials.derive(
            password: password, hash: hash, salt: salt, iterations: iterations
        ) else { return false }
        return ConstantTime.equal(candidate.storedKey, storedKey)
    }
}

public enum SASLError: Error, Equatable, Sendable {
    case iterationCountTooLow(Int)
}

/// Comparison whose running time does not depend on where the inputs differ.
public enum ConstantTime {
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
