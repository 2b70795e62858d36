import Crypto
import Foundation

/// The ACME account key: an ECDSA P-256 key signing every request with ES256 (RFC 7518 §3.4,
/// RFC 8555 §6.2). Its JWK and thumbprint identify the account and make key authorizations.
public struct ACMEAccountKey: Sendable {
    let key: P256.Signing.PrivateKey

    public init() { key = P256.Signing.PrivateKey() }

    public init(pem: String) throws { key = try P256.Signing.PrivateKey(pemRepresentation: pem) }

    /// PKCS#8 PEM, for the data directory (written 0600 by the caller).
    public var pemRepresentation: String { key.pemRepresentation }

    /// The public key as a JWK (RFC 7518 §6.2.1): x and y are the 32-octet big-endian
    /// coordinates, base64url-encoded. Members in lexicographic order and nothing else, which is
    /// also the RFC 7638 §3.2 input for the thumbprint.
    public var jwkJSON: String {
        let raw = Array(key.publicKey.rawRepresentation)  // x || y, 64 octets
        let x = Base64URL.encode(raw[0..<32]), y = Base64URL.encode(raw[32..<64])
        return #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
    }

    /// RFC 7638 §3: SHA-256 over the JWK's required members in lexicographic order, no
    /// whitespace; base64url.
    public var thumbprint: String { Base64URL.encode(SHA256.hash(data: Data(jwkJSON.utf8))) }

    /// RFC 8555 §8.1: keyAuthorization = token || '.' || base64url(Thumbprint(accountKey)).
    public func keyAuthorization(token: String) -> String { token + "." + thumbprint }

    /// ES256 signature over the JWS signing input: r || s, 32 octets each (RFC 7518 §3.4).
    func sign(_ input: String) throws -> [UInt8] {
        Array(try key.signature(for: Data(input.utf8)).rawRepresentation)
    }
}
