// Accounts' OpenPGP secret keys for server-side signing (docs/openpgp.md "Secret keys"): `hato
// pgp import ACCOUNT FILE --secret` reads the key, checks its certificate as any account
// certificate is checked, and stores it sealed with AES-256-GCM under the server key
// (`data_dir/server-secret.key`, ServerSecretKey, as S/MIME private keys are); the submission
// stage's keyring unseals it for the moment it signs.

import Foundation
import MailCore
import MailStore
import OpenPGP
import Reception

extension OpenPGPKeyImporter {
    /// Reads one secret key as `account`'s: its certificate is stored (like `importAccountCertificates`)
    /// with the secret key sealed beside it. `password` opens a passphrase-protected key.
    public func importSecretKey(_ bytes: [UInt8], account: EmailAddress, password: String?, dataDirectory: URL,
                                now: Date = Date()) async throws -> OpenPGPSecretKey {
        guard try await store.account(account) != nil else { throw MailStoreError.accountNotFound(account.description) }
        let key = try OpenPGPSecretKey.read(bytes, password: password, limits: limits)
        if let refusal = key.certificate.refusal(forAddress: account.canonical) { throw OpenPGPError(refusal) }
        let serverKey = try await BlockingIO.run { try ServerSecretKey.load(dataDirectory: dataDirectory, create: true) }
        let sealed = try serverKey.seal(key.data, context: Self.sealingContext(key.certificate.fingerprint))
        try await store.putOpenPGPCertificate(StoredOpenPGPCertificate(
            fingerprint: key.certificate.fingerprint, owner: .account(account), addresses: key.certificate.addresses,
            data: key.certificate.data, imported: now, sealedSecretKey: sealed))
        return key
    }

    /// What a sealed secret key is bound to (AES-GCM additional data): it opens only in its row.
    static func sealingContext(_ fingerprint: String) -> String { "hato openpgp secret key " + fingerprint }
}

/// The OpenPGP submission stage's view of the store: policies from `[openpgp]`, the account's
/// secret key unsealed by the server key, recipients' certificates read and checked now.
public struct OpenPGPStoreKeyring: OpenPGPKeyring {
    public let store: any MailStore
    public let dataDirectory: URL
    public let policies: OpenPGPPolicies
    public let limits: OpenPGPLimits
    /// Where a recipient's certificate is looked up when the store has none (`openpgp.lookup`:
    /// Web Key Directory, DNSSEC-secure OPENPGPKEY); what it finds joins the contact directory.
    public let locator: (any OpenPGPKeyLocating)?
    /// RFC 9788 header protection (`openpgp.header_protection`).
    public let headerProtection: Bool
    /// Autocrypt-Gossip (`openpgp.autocrypt_gossip`).
    public let autocryptGossip: Bool

    public init(store: any MailStore, dataDirectory: URL, policies: OpenPGPPolicies, limits: OpenPGPLimits,
                locator: (any OpenPGPKeyLocating)? = nil, headerProtection: Bool = false, autocryptGossip: Bool = false) {
        self.headerProtection = headerProtection
        self.autocryptGossip = autocryptGossip
        self.store = store
        self.dataDirectory = dataDirectory
        self.policies = policies
        self.limits = limits
        self.locator = locator
    }

    public func policy(for account: EmailAddress) -> OpenPGPSubmissionPolicy { policies.policy(for: account) }

    public func secretKey(for account: EmailAddress) async throws -> [UInt8]? {
        for entry in try await store.openPGPCertificates(account: account).sorted(by: { $0.imported > $1.imported }) {
            guard let sealed = entry.sealedSecretKey,
                  let certificate = try? OpenPGPCertificate.read(entry.data, limits: limits).first, certificate.valid else { continue }
            let serverKey = try await BlockingIO.run { [dataDirectory] in try ServerSecretKey.load(dataDirectory: dataDirectory, create: false) }
            return try serverKey.unseal(sealed, context: OpenPGPKeyImporter.sealingContext(entry.fingerprint))
        }
        return nil
    }

    public func encryptionCertificate(for address: EmailAddress, sender: EmailAddress) async throws -> OpenPGPCertificate? {
        var candidates = try await store.openPGPContactCertificates(address: address.canonical)
        if address.description.lowercased() != address.canonical {
            candidates += try await store.openPGPContactCertificates(address: address.description)
        }
        // A local account's own certificate serves mail to it too.
        candidates += try await store.openPGPCertificates(account: address)
        if let found = Self.usable(candidates, limits: limits, address: address.canonical).first { return found }
        // The key the recipient announced in an Autocrypt field of mail to this sender, unless it
        // has gone stale (Autocrypt Level 1 §2.4 "discourage": 35 days older than their last mail).
        if let peer = try await store.autocryptPeers(account: sender, address: address.canonical).first,
           peer.lastSeen.timeIntervalSince(peer.autocryptTimestamp) <= AutocryptPeer.staleAfter,
           let found = Self.usable([StoredOpenPGPCertificate(fingerprint: peer.key.fingerprint, owner: .contact, addresses: [address.canonical],
                                                             data: peer.key.data, imported: peer.autocryptTimestamp)],
                                   limits: limits, address: address.canonical).first {
            return found
        }
        // Published by the recipient's domain (docs/openpgp.md "Finding keys"); never for our own
        // domains, whose keys come from `hato pgp import` only.
        guard let locator, try await !store.isLocalDomain(address.domain),
              let located = await locator.locate(address: address.canonical) else { return nil }
        return Self.usable(located.certificates, limits: limits, address: address.canonical).first
    }

    public func ownCertificates(for account: EmailAddress) async throws -> [OpenPGPCertificate] {
        Self.usable(try await store.openPGPCertificates(account: account), limits: limits, address: nil)
    }

    /// The stored certificates that can encrypt now (and name `address` in a valid User ID when
    /// given), newest first.
    static func usable(_ stored: [StoredOpenPGPCertificate], limits: OpenPGPLimits, address: String?) -> [OpenPGPCertificate] {
        stored.sorted { $0.imported > $1.imported }.compactMap { entry in
            guard let certificate = try? OpenPGPCertificate.read(entry.data, limits: limits).first,
                  certificate.valid, !certificate.encryptionKeys.isEmpty else { return nil }
            if let address, !certificate.addresses.contains(address) { return nil }
            return certificate
        }
    }
}
