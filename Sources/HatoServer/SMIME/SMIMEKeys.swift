// Accounts' S/MIME identities and correspondents' certificates in the store (docs/smime.md):
// importing them with their checks (RFC 8550 §3: the certificate carries the account's
// address), and handing them to the submission stage with the key unsealed for the moment it
// signs or decrypts.

import DNSMessage
import Foundation
import MailCore
import MailStore
import Reception
import SMIME

/// What `hato smime import` and `import-cert` did.
public struct SMIMEImported: Sendable {
    public var certificate: SMIMECertificate
    public var chain: Int
}

public struct SMIMEKeyImporter: Sendable {
    public let store: any MailStore
    public let dataDirectory: URL

    public init(store: any MailStore, dataDirectory: URL) {
        self.store = store
        self.dataDirectory = dataDirectory
    }

    /// An account's certificate (first in `certificates`, its chain after it) and key.
    public func importAccount(_ address: EmailAddress, identity: SMIMEIdentity, now: Date = Date()) async throws -> SMIMEImported {
        guard try await store.account(address) != nil else { throw MailStoreError.accountNotFound(address.description) }
        let certificate = identity.certificate
        guard certificate.isFor(address.description) || certificate.isFor(address.canonical) else {
            let has = certificate.emails.isEmpty ? "no e-mail address" : certificate.emails.joined(separator: ", ")
            throw SMIMEError("certificate \(certificate.fingerprint) is not for \(address.canonical) (it has: \(has)); RFC 8550 §3 needs the account's address in subjectAltName or the subject's emailAddress")
        }
        try Self.checkValidity(certificate, now: now)
        guard certificate.canSign || certificate.canEncrypt else {
            throw SMIMEError("certificate \(certificate.fingerprint) allows neither S/MIME signing nor encryption (keyUsage/extendedKeyUsage, RFC 8550 §4.4)")
        }
        let serverKey = try await BlockingIO.run { [dataDirectory] in try ServerSecretKey.load(dataDirectory: dataDirectory, create: true) }
        let sealed = try serverKey.seal(try identity.privateKeyDER(), context: Self.sealingContext(certificate.fingerprint))
        try await store.putSMIMECertificate(StoredSMIMECertificate(
            fingerprint: certificate.fingerprint, owner: .account(address), addresses: certificate.emails.map { $0.lowercased() },
            certificate: certificate.der, chain: identity.chain.map(\.der), sealedPrivateKey: sealed, notAfter: certificate.notAfter))
        return SMIMEImported(certificate: certificate, chain: identity.chain.count)
    }

    /// Correspondents' certificates (PEM with any number, or one DER), for encrypting to them.
    public func importContacts(_ bytes: [UInt8], now: Date = Date()) async throws -> [SMIMEImported] {
        let certificates = try SMIMECertificate.read(bytes)
        for certificate in certificates {
            guard !certificate.emails.isEmpty else {
                throw SMIMEError("certificate \(certificate.fingerprint) carries no e-mail address (RFC 8550 §3)")
            }
            try Self.checkValidity(certificate, now: now)
            guard certificate.canEncrypt else {
                throw SMIMEError("certificate \(certificate.fingerprint) does not allow S/MIME encryption (keyUsage/extendedKeyUsage, RFC 8550 §4.4)")
            }
        }
        for certificate in certificates {
            try await store.putSMIMECertificate(StoredSMIMECertificate(
                fingerprint: certificate.fingerprint, owner: .contact, addresses: certificate.emails.map { $0.lowercased() },
                certificate: certificate.der, notAfter: certificate.notAfter))
        }
        return certificates.map { SMIMEImported(certificate: $0, chain: 0) }
    }

    /// What harvesting did with a verified signer's certificate.
    public enum Harvested: Equatable, Sendable {
        case stored
        /// Why it was left out (logged at debug level).
        case skipped(String)
    }

    /// Keeps the certificate of a signer whose signature verified and matched From (the stage
    /// checked both) as a correspondent's, so mail to them can be encrypted (docs/smime.md
    /// "Harvesting"). Left out: certificates that cannot encrypt or are outside their validity,
    /// and any naming an address in one of our own domains: those come from `hato smime import`
    /// only, so mail from outside cannot choose which key our own users' mail is encrypted to.
    /// Storing it again moves it first among that address's certificates (the newest seen).
    public func harvest(_ certificate: SMIMECertificate, now: Date = Date()) async throws -> Harvested {
        guard !certificate.emails.isEmpty else { return .skipped("no e-mail address") }
        guard certificate.canEncrypt else { return .skipped("does not allow encryption") }
        guard certificate.isValid(at: now) else { return .skipped("outside its validity") }
        for email in certificate.emails {
            guard let address = try? EmailAddress(email) else { return .skipped("unparsable address \(email)") }
            if try await store.isLocalDomain(address.domain) { return .skipped("names \(address.canonical), one of our own addresses") }
        }
        try await store.putSMIMECertificate(StoredSMIMECertificate(
            fingerprint: certificate.fingerprint, owner: .contact, addresses: certificate.emails.map { $0.lowercased() },
            certificate: certificate.der, notAfter: certificate.notAfter, imported: now))
        return .stored
    }

    /// The reception stage's harvest hook: stores or skips, logs which, and never fails the message.
    public static func harvester(store: any MailStore, dataDirectory: URL) -> SMIMEHarvest {
        let importer = SMIMEKeyImporter(store: store, dataDirectory: dataDirectory)
        return { certificate, client in
            do {
                switch try await importer.harvest(certificate) {
                case .stored:
                    client.logger.info("smime certificate harvested", metadata: [
                        "fingerprint": "\(certificate.fingerprint)", "addresses": "\(certificate.emails.joined(separator: ","))"])
                case .skipped(let reason):
                    client.logger.debug("smime certificate not harvested", metadata: ["fingerprint": "\(certificate.fingerprint)", "reason": "\(reason)"])
                }
            } catch {
                client.logger.warning("smime certificate not harvested", metadata: ["error": "\(error)"])
            }
        }
    }

    static func checkValidity(_ certificate: SMIMECertificate, now: Date) throws {
        let formatter = ISO8601DateFormatter()
        guard now <= certificate.notAfter else {
            throw SMIMEError("certificate \(certificate.fingerprint) expired on \(formatter.string(from: certificate.notAfter))")
        }
        guard now >= certificate.notBefore else {
            throw SMIMEError("certificate \(certificate.fingerprint) is not valid before \(formatter.string(from: certificate.notBefore))")
        }
    }

    /// What a sealed key is bound to (AES-GCM additional data).
    static func sealingContext(_ fingerprint: String) -> String { "hato smime private key " + fingerprint }
}

/// The submission stage's view of the store: policies from `[smime]`, identities with their
/// keys unsealed by the server key, recipients' certificates.
public struct SMIMEStoreKeyring: SMIMEKeyring {
    public let store: any MailStore
    public let dataDirectory: URL
    public let policies: SMIMEPolicies
    /// Where SMIMEA records are looked up for recipients the store has no certificate for
    /// (`smime.smimea_lookup`); nil: the store only.
    public let resolver: (any DNSResolving)?
    public let rsaPSS: Bool
    public let contentCipher: SMIMEContentCipher
    /// RFC 9788 header protection (`smime.header_protection`).
    public let headerProtection: Bool

    public init(store: any MailStore, dataDirectory: URL, policies: SMIMEPolicies, resolver: (any DNSResolving)? = nil, rsaPSS: Bool = false,
                contentCipher: SMIMEContentCipher = .aes256CBC, headerProtection: Bool = false) {
        self.headerProtection = headerProtection
        self.store = store
        self.dataDirectory = dataDirectory
        self.policies = policies
        self.resolver = resolver
        self.rsaPSS = rsaPSS
        self.contentCipher = contentCipher
    }

    public func policy(for account: EmailAddress) -> SMIMESubmissionPolicy { policies.policy(for: account) }

    public func identity(for account: EmailAddress) async throws -> SMIMEIdentity? {
        let now = Date()
        for entry in try await store.smimeCertificates(account: account) {
            guard let sealed = entry.sealedPrivateKey, entry.notAfter >= now else { continue }
            let certificate = try SMIMECertificate(der: entry.certificate)
            guard certificate.isValid(at: now) else { continue }
            let serverKey = try await BlockingIO.run { [dataDirectory] in try ServerSecretKey.load(dataDirectory: dataDirectory, create: false) }
            let key = try serverKey.unseal(sealed, context: SMIMEKeyImporter.sealingContext(entry.fingerprint))
            return try SMIMEIdentity(certificate: certificate, chain: try entry.chain.map { try SMIMECertificate(der: $0) }, privateKeyDER: key)
        }
        return nil
    }

    public func encryptionCertificate(for address: EmailAddress) async throws -> SMIMECertificate? {
        let now = Date()
        var candidates = try await store.smimeCertificates(address: address.canonical)
        if address.description.lowercased() != address.canonical {
            candidates += try await store.smimeCertificates(address: address.description)
        }
        for entry in candidates where entry.notAfter >= now {
            if let certificate = try? SMIMECertificate(der: entry.certificate), certificate.isValid(at: now), certificate.canEncrypt {
                return certificate
            }
        }
        // RFC 8162: a DNSSEC-secure SMIMEA record of the recipient's domain.
        guard let resolver, case .success(let certificate) = await SMIMEARecords.certificate(for: address, resolver: resolver, now: now) else {
            return nil
        }
        return certificate
    }
}
