import Foundation
import MailCore

/// The signature algorithm a stored DKIM key is for (RFC 6376 §3.3, RFC 8463).
public enum DKIMKeyAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    case rsa, ed25519
}

/// A DKIM signing key kept in the store, so every node that signs mail uses the same keys.
public struct StoredDKIMKey: Sendable, Hashable {
    public var domain: Domain
    /// The selector its public key is published under: `selector._domainkey.domain`.
    public var selector: String
    public var algorithm: DKIMKeyAlgorithm
    /// The private key in PEM form (a secret: never logged).
    public var privateKeyPEM: String
    public var created: Date
    /// Active keys sign outgoing mail; inactive ones wait for their DNS record (or are retired).
    public var active: Bool

    public init(domain: Domain, selector: String, algorithm: DKIMKeyAlgorithm, privateKeyPEM: String,
                created: Date = Date(), active: Bool = false) {
        self.domain = domain
        self.selector = selector
        self.algorithm = algorithm
        self.privateKeyPEM = privateKeyPEM
        self.created = created
        self.active = active
    }
}

/// DKIM keys per domain and selector (one key per selector: a selector names one DNS record).
public protocol DKIMKeyStore: Sendable {
    /// Adds a key; fails with `dkimKeyExists` when the domain already has that selector.
    func addDKIMKey(_ key: StoredDKIMKey) async throws
    /// Keys of `domain` (all domains when nil), by domain, then newest first.
    func dkimKeys(domain: Domain?) async throws -> [StoredDKIMKey]
    /// Makes exactly these selectors of the domain active and every other one inactive.
    func activateDKIMSelectors(_ selectors: [String], domain: Domain) async throws
    /// Removes one key; fails with `dkimKeyNotFound` when there is none.
    func removeDKIMKey(domain: Domain, selector: String) async throws
}

extension DKIMKeyStore {
    /// The keys that sign mail from `domain` now.
    public func activeDKIMKeys(domain: Domain) async throws -> [StoredDKIMKey] {
        try await dkimKeys(domain: domain).filter(\.active)
    }
}
