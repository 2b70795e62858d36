import Foundation
import MailCore

/// Whose certificate a stored S/MIME certificate is (docs/smime.md).
public enum SMIMECertificateOwner: Sendable, Hashable {
    /// A local account's own (`hato smime import ACCOUNT`), with its sealed private key;
    /// removed with the account.
    case account(EmailAddress)
    /// A correspondent's (`hato smime import-cert FILE`), used to encrypt mail to them.
    case contact
}

/// An S/MIME certificate as the store keeps it. The store does not parse X.509: the checks
/// happen before (Sources/SMIME), the store keeps what passed them.
public struct StoredSMIMECertificate: Sendable, Hashable {
    /// SHA-256 over the DER, upper-case hex.
    public var fingerprint: String
    public var owner: SMIMECertificateOwner
    /// The certificate's RFC 8550 §3 addresses, lower-cased: how recipients find it.
    public var addresses: [String]
    /// The certificate, DER.
    public var certificate: [UInt8]
    /// The intermediate certificates sent with signatures, DER, in order.
    public var chain: [[UInt8]]
    /// The private key sealed with the server key (never the plain key: see
    /// `SMIMEKeySealing` in HatoServer); nil for a contact.
    public var sealedPrivateKey: [UInt8]?
    public var notAfter: Date
    public var imported: Date

    public init(fingerprint: String, owner: SMIMECertificateOwner, addresses: [String], certificate: [UInt8], chain: [[UInt8]] = [],
                sealedPrivateKey: [UInt8]? = nil, notAfter: Date, imported: Date = Date()) {
        self.fingerprint = fingerprint
        self.owner = owner
        self.addresses = addresses
        self.certificate = certificate
        self.chain = chain
        self.sealedPrivateKey = sealedPrivateKey
        self.notAfter = notAfter
        self.imported = imported
    }
}

/// Accounts' S/MIME certificates with their keys, and correspondents' certificates.
public protocol SMIMEKeyStore: Sendable {
    /// Adds or replaces (same fingerprint and owner) a certificate; fails with
    /// `accountNotFound` for an account that does not exist.
    func putSMIMECertificate(_ certificate: StoredSMIMECertificate) async throws
    /// One account's certificates, or every certificate when nil, by owner then newest first.
    func smimeCertificates(account: EmailAddress?) async throws -> [StoredSMIMECertificate]
    /// Every certificate (accounts' and contacts') carrying `address` (compared lower-cased),
    /// newest first: the ones mail to that address can be encrypted to.
    func smimeCertificates(address: String) async throws -> [StoredSMIMECertificate]
    /// Removes every stored copy of the fingerprint; fails with `smimeCertificateNotFound`.
    func removeSMIMECertificate(fingerprint: String) async throws
}

extension StoredSMIMECertificate {
    /// The chain as both stores keep it in one column: certificates one after another, each
    /// prefixed by its length (4 bytes, big-endian), so a store migration copies it as it is.
    public static func packChain(_ items: [[UInt8]]) -> [UInt8] {
        items.flatMap { item in withUnsafeBytes(of: UInt32(item.count).bigEndian, Array.init) + item }
    }

    /// The inverse of `packChain`; a truncated last entry is dropped.
    public static func unpackChain(_ bytes: [UInt8]) -> [[UInt8]] {
        var items: [[UInt8]] = [], cursor = 0
        while cursor + 4 <= bytes.count {
            let length = bytes[cursor..<cursor + 4].reduce(0) { $0 << 8 | Int($1) }
            cursor += 4
            guard cursor + length <= bytes.count else { break }
            items.append(Array(bytes[cursor..<cursor + length]))
            cursor += length
        }
        return items
    }
}
