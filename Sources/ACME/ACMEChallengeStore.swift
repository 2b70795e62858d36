import Crypto
import Foundation
import SwiftASN1
import Synchronization
import X509

/// The challenge types this client answers (RFC 8555 §8.3, RFC 8737 §3).
public enum ACMEChallengeType: String, Sendable, CaseIterable {
    case http01 = "http-01"
    case tlsALPN01 = "tls-alpn-01"
}

/// What is being served for pending challenges, read by the listeners while the client waits
/// for validation:
/// - http-01: token → key authorization, for `GET /.well-known/acme-challenge/{token}` on
///   port 80 (`keyAuthorization(forToken:)` is the HTTP listener's hook);
/// - tls-alpn-01: host name → self-signed certificate with the acmeIdentifier extension, for a
///   TLS handshake offering ALPN `acme-tls/1` with that SNI name on port 443.
public final class ACMEChallengeStore: Sendable {
    private let http01 = Mutex<[String: String]>([:])
    private let tlsALPN01 = Mutex<[String: TLSALPNChallengeCertificate]>([:])

    public init() {}

    /// The key authorization to serve for an http-01 token; nil: no such pending challenge.
    public func keyAuthorization(forToken token: String) -> String? { http01.withLock { $0[token] } }

    /// The tls-alpn-01 certificate for a host name (lower case); nil: none pending.
    public func tlsALPNCertificate(forName name: String) -> TLSALPNChallengeCertificate? {
        tlsALPN01.withLock { $0[name.lowercased()] }
    }

    func add(_ type: ACMEChallengeType, name: String, token: String, keyAuthorization: String) throws {
        switch type {
        case .http01: http01.withLock { $0[token] = keyAuthorization }
        case .tlsALPN01:
            let certificate = try TLSALPNChallengeCertificate(name: name, keyAuthorization: keyAuthorization)
            tlsALPN01.withLock { $0[name.lowercased()] = certificate }
        }
    }

    func remove(_ type: ACMEChallengeType, name: String, token: String) {
        switch type {
        case .http01: _ = http01.withLock { $0.removeValue(forKey: token) }
        case .tlsALPN01: _ = tlsALPN01.withLock { $0.removeValue(forKey: name.lowercased()) }
        }
    }
}

/// The tls-alpn-01 certificate (RFC 8737 §3): self-signed, a subjectAltName with exactly the
/// dNSName being validated, and the critical id-pe-acmeIdentifier extension whose value is the
/// DER OCTET STRING of SHA-256(key authorization).
public struct TLSALPNChallengeCertificate: Sendable {
    /// id-pe-acmeIdentifier, RFC 8737 §6.1.
    public static let acmeIdentifierOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 1, 31]

    public let certificateDER: [UInt8]
    public let privateKeyDER: [UInt8]

    public init(name: String, keyAuthorization: String) throws {
        let key = P256.Signing.PrivateKey()
        let digest = Array(SHA256.hash(data: Data(keyAuthorization.utf8)))
        // Authorization ::= OCTET STRING (SIZE (32))  (RFC 8737 §3)
        var serializer = DER.Serializer()
        try serializer.serialize(ASN1OctetString(contentBytes: digest[...]))
        let subject = try DistinguishedName { CommonName("ACME tls-alpn-01 challenge") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(7 * 86400),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName(name)])
                Certificate.Extension(oid: Self.acmeIdentifierOID, critical: true, value: serializer.serializedBytes[...])
            },
            issuerPrivateKey: .init(key))
        var certificateSerializer = DER.Serializer()
        try certificateSerializer.serialize(certificate)
        certificateDER = certificateSerializer.serializedBytes
        privateKeyDER = Array(key.derRepresentation)
    }
}
