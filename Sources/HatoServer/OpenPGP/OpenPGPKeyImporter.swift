// `hato pgp import|import-contact`: certificates checked by RNP before the store keeps them
// (issue 21, docs/openpgp.md). An account's certificate needs a valid User ID with the
// account's address and a valid encryption subkey; a correspondent's needs a valid User ID with
// an address (that is how reception finds it). A file is taken whole or not at all.

import Foundation
import MailCore
import MailStore
import OpenPGP

public struct OpenPGPKeyImporter: Sendable {
    public let store: any MailStore
    public let limits: OpenPGPLimits

    public init(store: any MailStore, limits: OpenPGPLimits = OpenPGPLimits()) {
        self.store = store
        self.limits = limits
    }

    /// Reads `bytes` (armored or binary, one or more certificates) as `account`'s own keys.
    public func importAccountCertificates(_ bytes: [UInt8], account: EmailAddress, now: Date = Date()) async throws -> [OpenPGPCertificate] {
        guard try await store.account(account) != nil else { throw MailStoreError.accountNotFound(account.description) }
        let certificates = try OpenPGPCertificate.read(bytes, limits: limits)
        let address = account.canonical
        for certificate in certificates {
            if let refusal = certificate.refusal(forAddress: address) { throw OpenPGPError(refusal) }
        }
        for certificate in certificates {
            try await store.putOpenPGPCertificate(StoredOpenPGPCertificate(
                fingerprint: certificate.fingerprint, owner: .account(account), addresses: certificate.addresses,
                data: certificate.data, imported: now))
        }
        return certificates
    }

    /// Reads `bytes` as correspondents' keys for the server-wide contact directory.
    public func importContactCertificates(_ bytes: [UInt8], now: Date = Date()) async throws -> [OpenPGPCertificate] {
        let certificates = try OpenPGPCertificate.read(bytes, limits: limits)
        for certificate in certificates {
            if let refusal = certificate.contactRefusal { throw OpenPGPError(refusal) }
        }
        for certificate in certificates {
            try await store.putOpenPGPCertificate(StoredOpenPGPCertificate(
                fingerprint: certificate.fingerprint, owner: .contact, addresses: certificate.addresses,
                data: certificate.data, imported: now))
        }
        return certificates
    }
}
