import Foundation
import MailCore

/// Whose certificate a stored OpenPGP certificate is (docs/openpgp.md).
public enum OpenPGPCertificateOwner: Sendable, Hashable {
    /// A local account's own key (`hato pgp import ACCOUNT FILE`); removed with the account.
    case account(EmailAddress)
    /// A correspondent's key in the server-wide directory (`hato pgp import-contact FILE`),
    /// used to verify their signatures.
    case contact
}

/// An OpenPGP certificate (public key only) as the store keeps it. The store does not parse
/// OpenPGP: the checks happen before (Sources/OpenPGP), the store keeps what passed them.
public struct StoredOpenPGPCertificate: Sendable, Hashable {
    /// The primary key's fingerprint, upper-case hex.
    public var fingerprint: String
    public var owner: OpenPGPCertificateOwner
    /// The addresses of its valid User IDs, lower-cased: how signatures find it.
    public var addresses: [String]
    /// The binary transferable public key.
    public var data: [UInt8]
    public var imported: Date
    /// An account certificate's secret key for server-side signing (`hato pgp import --secret`),
    /// sealed with the server key (never the plain key: `OpenPGPSecretKeys` in HatoServer); nil
    /// for a certificate without one and for every contact.
    public var sealedSecretKey: [UInt8]?

    public init(fingerprint: String, owner: OpenPGPCertificateOwner, addresses: [String], data: [UInt8], imported: Date = Date(),
                sealedSecretKey: [UInt8]? = nil) {
        self.fingerprint = fingerprint
        self.owner = owner
        self.addresses = addresses
        self.data = data
        self.imported = imported
        self.sealedSecretKey = sealedSecretKey
    }
}

/// Accounts' OpenPGP certificates and the server-wide directory of correspondents' ones.
public protocol OpenPGPKeyStore: Sendable {
    /// Adds or replaces (same fingerprint and owner: a refreshed copy with new signatures) a
    /// certificate; fails with `accountNotFound` for an account that does not exist.
    func putOpenPGPCertificate(_ certificate: StoredOpenPGPCertificate) async throws
    /// Account certificates of one account, or every certificate (accounts and contacts) when nil,
    /// by owner then fingerprint.
    func openPGPCertificates(account: EmailAddress?) async throws -> [StoredOpenPGPCertificate]
    /// Contact certificates with a User ID for `address` (compared lower-cased).
    func openPGPContactCertificates(address: String) async throws -> [StoredOpenPGPCertificate]
    /// Removes every stored copy of the fingerprint (account and contact); fails with
    /// `openPGPCertificateNotFound` when there is none.
    func removeOpenPGPCertificate(fingerprint: String) async throws
}
