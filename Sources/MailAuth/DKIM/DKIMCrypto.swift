// The two signature schemes DKIM uses, over swift-crypto: RSASSA-PKCS1-v1_5 with SHA-256
// (RFC 6376 §3.3.1) and Ed25519 over the SHA-256 of the data (RFC 8463 §3).

import Crypto
import Foundation
import _CryptoExtras

/// A public key from a key record's p=, ready to check signatures.
public enum DKIMPublicKey: Sendable {
    case rsa(_RSA.Signing.PublicKey, bits: Int)
    case ed25519(Curve25519.Signing.PublicKey)

    /// RFC 8301 §3.2: verifiers must not accept RSA keys under 1024 bits.
    public static let minimumRSABits = 1024

    /// Reads p= for `type`. RSA keys are SubjectPublicKeyInfo DER (§3.6.1), with PKCS#1
    /// RSAPublicKey accepted too as deployed signers publish it; Ed25519 keys are the raw 32 bytes.
    public init(type: DKIMKeyType, data: [UInt8], minimumRSABits: Int = DKIMPublicKey.minimumRSABits)
        throws(DKIMKeyError)
    {
        switch type {
        case .rsa:
            // Measure first: swift-crypto refuses keys under 1024 bits with no way to say why.
            guard let bits = RSAModulus.bitCount(der: data) else { throw .malformed("p= is not an RSA public key") }
            guard bits >= minimumRSABits else { throw .tooShort(bits: bits, minimum: minimumRSABits) }
            do {
                self = .rsa(try _RSA.Signing.PublicKey(unsafeDERRepresentation: data), bits: bits)
            } catch {
                throw .malformed("p= is not an RSA public key")
            }
        case .ed25519:
            do {
                self = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: data))
            } catch {
                throw .malformed("p= is not a 32-byte Ed25519 public key (RFC 8463 §4.2)")
            }
        }
    }

    public var keyType: DKIMKeyType {
        switch self {
        case .rsa: .rsa
        case .ed25519: .ed25519
        }
    }

    /// Key size in bits (256 for Ed25519).
    public var bits: Int {
        switch self {
        case .rsa(_, let bits): bits
        case .ed25519: 256
        }
    }

    /// Checks `signature` over the SHA-256 `digest` of the canonical header data.
    public func isValid(signature: [UInt8], digest: SHA256.Digest) -> Bool {
        switch self {
        case .rsa(let key, _):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: digest,
                                        padding: .insecurePKCS1v1_5)
        case .ed25519(let key):
            return key.isValidSignature(signature, for: Array(digest))
        }
    }
}

extension DKIMPublicKey {
    private struct MemoKey: Hashable, Sendable {
        let type: DKIMKeyType
        let data: ByteKey
        let minimumRSABits: Int
    }
    private static let memo = ParseMemo<MemoKey, Result<DKIMPublicKey, DKIMKeyError>>(capacity: 512)

    /// `init(type:data:minimumRSABits:)`, remembered by its arguments (ParseMemo.swift): the same
    /// sender's key comes back with every message from it, and a key made anew parsed its DER and
    /// had BoringSSL set up the modulus's Montgomery form for each verification, which the RSA
    /// object keeps once made (issue 24).
    public static func parsed(type: DKIMKeyType, data: [UInt8], minimumRSABits: Int = DKIMPublicKey.minimumRSABits)
        throws(DKIMKeyError) -> DKIMPublicKey
    {
        try memo.value(MemoKey(type: type, data: ByteKey(bytes: data), minimumRSABits: minimumRSABits)) { key in
            do throws(DKIMKeyError) {
                return .success(try DKIMPublicKey(type: key.type, data: key.data.bytes, minimumRSABits: key.minimumRSABits))
            } catch { return .failure(error) }
        }.get()
    }
}

/// A signing key as Hato stores it: PEM text (PKCS#8 for Ed25519, PKCS#1 or PKCS#8 for RSA).
public enum DKIMPrivateKey: Sendable {
    case rsa(_RSA.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)

    public static func generate(_ type: DKIMKeyType, rsaBits: Int = 2048) throws -> DKIMPrivateKey {
        switch type {
        case .rsa:
            // swift-crypto wants an explicit opt-in below 2048 bits; 1024 is DKIM's floor (RFC 8301 §3.2).
            .rsa(rsaBits >= 2048 ? try _RSA.Signing.PrivateKey(keySize: .init(bitCount: rsaBits))
                                 : try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: rsaBits)))
        case .ed25519: .ed25519(Curve25519.Signing.PrivateKey())
        }
    }

    public init(pem: String, type: DKIMKeyType) throws(DKIMKeyError) {
        do {
            switch type {
            case .rsa: self = .rsa(try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem))
            case .ed25519: self = .ed25519(try Curve25519.Signing.PrivateKey(pemRepresentation: pem))
            }
        } catch {
            throw .malformed("not a \(type.rawValue) private key in PEM form")
        }
    }

    public var keyType: DKIMKeyType {
        switch self {
        case .rsa: .rsa
        case .ed25519: .ed25519
        }
    }

    public var algorithm: DKIMAlgorithm {
        switch self {
        case .rsa: .rsaSHA256
        case .ed25519: .ed25519SHA256
        }
    }

    public var pemRepresentation: String {
        switch self {
        case .rsa(let key): key.pemRepresentation
        case .ed25519(let key): key.pemRepresentation
        }
    }

    /// p= for the key record: SubjectPublicKeyInfo DER for RSA, raw 32 bytes for Ed25519.
    public var publicKeyData: [UInt8] {
        switch self {
        case .rsa(let key): Array(key.publicKey.derRepresentation)
        case .ed25519(let key): Array(key.publicKey.rawRepresentation)
        }
    }

    /// The TXT record text to publish at selector._domainkey.domain.
    public var keyRecord: String { DKIMKeyRecord.text(keyType: keyType, publicKey: publicKeyData) }

    /// The b= bytes for a SHA-256 digest of the canonical header data.
    public func sign(digest: SHA256.Digest) throws -> [UInt8] {
        switch self {
        case .rsa(let key):
            return Array(try key.signature(for: digest, padding: .insecurePKCS1v1_5).rawRepresentation)
        case .ed25519(let key):
            return Array(try key.signature(for: Array(digest)))
        }
    }
}

public enum DKIMKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(String)
    case tooShort(bits: Int, minimum: Int)

    public var description: String {
        switch self {
        case .malformed(let detail): detail
        case .tooShort(let bits, let minimum): "RSA key of \(bits) bits is under \(minimum) (RFC 8301 §3.2)"
        }
    }
}

/// Just enough DER to find an RSA modulus: SubjectPublicKeyInfo (RFC 5280 §4.1) wrapping
/// RSAPublicKey (RFC 8017 §A.1.1), or a bare RSAPublicKey.
enum RSAModulus {
    static func bitCount(der: [UInt8]) -> Int? {
        var reader = DERReader(bytes: der[...])
        guard let outer = reader.read(tag: 0x30) else { return nil }
        var inner = DERReader(bytes: outer)
        if let first = inner.peekTag, first == 0x30 {
            // SPKI: AlgorithmIdentifier, then BIT STRING holding RSAPublicKey.
            _ = inner.read(tag: 0x30)
            guard let bitString = inner.read(tag: 0x03), bitString.first == 0 else { return nil }
            var keyReader = DERReader(bytes: bitString.dropFirst())
            guard let rsaKey = keyReader.read(tag: 0x30) else { return nil }
            inner = DERReader(bytes: rsaKey)
        }
        guard var modulus = inner.read(tag: 0x02), inner.read(tag: 0x02) != nil else { return nil }
        while let first = modulus.first, first == 0 { modulus = modulus.dropFirst() }
        guard let top = modulus.first else { return nil }
        return (modulus.count - 1) * 8 + (8 - top.leadingZeroBitCount)
    }

    struct DERReader {
        var bytes: ArraySlice<UInt8>
        var peekTag: UInt8? { bytes.first }

        /// The contents of the next element when it has `tag`.
        mutating func read(tag: UInt8) -> ArraySlice<UInt8>? {
            guard bytes.count >= 2, bytes.first == tag else { return nil }
            var index = bytes.startIndex + 1
            var length = Int(bytes[index])
            index += 1
            if length & 0x80 != 0 {
                let count = length & 0x7F
                guard count >= 1, count <= 4, bytes.endIndex - index >= count else { return nil }
                length = 0
                for _ in 0..<count {
                    length = length << 8 | Int(bytes[index])
                    index += 1
                }
            }
            guard bytes.endIndex - index >= length else { return nil }
            let contents = bytes[index..<(index + length)]
            bytes = bytes[(index + length)...]
            return contents
        }
    }
}
