import Foundation
import MailCore
import Reception
import SMIME

/// The `[smime]` keys, checked and typed (docs/smime.md). The trust store loads here, once, so
/// a missing or unreadable `smime.trust` entry is a configuration error at startup.
public struct SMIMESettings: Sendable {
    public var verify: Bool
    /// Whether verified signers' certificates are kept as correspondents' (`smime.harvest`).
    public var harvest: Bool
    /// Whether recipients' certificates are looked up as SMIMEA records (`smime.smimea_lookup`).
    public var smimeaLookup: Bool
    /// Fields kept in clear above a message encrypted at rest (`smime.at_rest_headers`).
    public var atRestHeaders: [String]
    /// RSA keys sign with RSASSA-PSS (`smime.rsa_signature = "pss"`).
    public var rsaPSS: Bool
    /// `smime.content_encryption`.
    public var contentCipher: SMIMEContentCipher
    /// RFC 9788 header protection on submission (`smime.header_protection`).
    public var headerProtection: Bool
    public var trust: [String]
    public var limits: SMIMELimits
    /// `smime.revocation` and its limits.
    public var revocation: SMIMERevocationMode
    public var revocationLimits: SMIMERevocationLimits
    /// The MX listener's stage, nil when verification is off.
    public var stage: SMIMEStage?
    /// Signing and encryption on submission: `sign`/`encrypt` and the `[[smime.policy]]` entries.
    public var policies: SMIMEPolicies
    /// Largest encrypted part `hato smime decrypt` opens.
    public var maxEncryptedSize: Int

    init(string: (String) -> String?, int: (String) -> Int, bool: (String) -> Bool = { _ in false }, list: (String) -> [String]?,
         tables: [[String: String]]) throws {
        verify = (string("smime.verify") ?? "on") == "on"
        harvest = (string("smime.harvest") ?? "on") == "on"
        smimeaLookup = (string("smime.smimea_lookup") ?? "on") == "on"
        atRestHeaders = list("smime.at_rest_headers") ?? SMIMESettings.defaultAtRestHeaders
        rsaPSS = string("smime.rsa_signature") == "pss"
        contentCipher = SMIMEContentCipher(rawValue: string("smime.content_encryption") ?? "") ?? .aes256CBC
        headerProtection = bool("smime.header_protection")
        trust = list("smime.trust") ?? ["system"]
        limits = SMIMELimits(maxSignatureSize: int("smime.max_signature_size"), maxCertificates: int("smime.max_certificates"))
        maxEncryptedSize = int("smime.max_encrypted_size")
        revocation = SMIMERevocationMode(rawValue: string("smime.revocation") ?? "soft-fail") ?? .softFail
        revocationLimits = SMIMERevocationLimits(timeout: .seconds(max(int("smime.revocation_timeout"), 1)),
                                                 maxResponse: int("smime.revocation_max_response"),
                                                 cacheSize: int("smime.revocation_cache_size"))
        let fallback = SMIMESubmissionPolicy(sign: SMIMESignPolicy(rawValue: string("smime.sign") ?? "never") ?? .never,
                                             encrypt: SMIMEEncryptPolicy(rawValue: string("smime.encrypt") ?? "never") ?? .never)
        policies = try SMIMEPolicies(fallback: fallback, entries: tables)
        guard verify else { return }
        do {
            let store = try SMIMETrustStore(sources: trust)
            stage = SMIMEStage(verifier: SMIMEVerifier(trust: store, limits: limits), revocation: revocationChecker(trust: store))
        } catch let error as SMIMEError {
            throw ConfigKeyError(path: "smime.trust", message: error.description)
        }
    }

    /// What mail clients need to list and thread messages; anything else (Received, the
    /// authentication results, X- fields ...) is only inside the encryption.
    static let defaultAtRestHeaders = ["Date", "From", "Sender", "Reply-To", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References"]

    /// The revocation checker for signatures verified against `trust`, nil when `revocation = "off"`.
    public func revocationChecker(trust: SMIMETrustStore) -> SMIMERevocationChecker? {
        revocation == .off ? nil : SMIMERevocationChecker(mode: revocation, fetcher: SMIMERevocationHTTP(), trust: trust, limits: revocationLimits)
    }

    /// The verifier of `hato smime verify` (the trust store loaded again).
    public func verifier() throws -> SMIMEVerifier {
        if let stage { return stage.verifier }
        return SMIMEVerifier(trust: try SMIMETrustStore(sources: trust), limits: limits)
    }
}

/// Who signs and encrypts what on submission: an `[[smime.policy]]` entry for the account's
/// address, else one for its domain, else `smime.sign`/`smime.encrypt`. An entry sets either
/// or both; what it leaves out comes from the next level.
public struct SMIMEPolicies: Sendable {
    public var fallback: SMIMESubmissionPolicy
    var accounts: [String: (sign: SMIMESignPolicy?, encrypt: SMIMEEncryptPolicy?)] = [:]
    var domains: [String: (sign: SMIMESignPolicy?, encrypt: SMIMEEncryptPolicy?)] = [:]

    init(fallback: SMIMESubmissionPolicy, entries: [[String: String]]) throws {
        self.fallback = fallback
        for entry in entries {
            guard let target = entry["for"]?.lowercased(), !target.isEmpty else { continue }
            var sign: SMIMESignPolicy?, encrypt: SMIMEEncryptPolicy?
            if let value = entry["sign"] {
                guard let parsed = SMIMESignPolicy(rawValue: value) else {
                    throw ConfigKeyError(path: "smime.policy", message: "sign = \"\(value)\" for \(target): use never, always or if-requested")
                }
                sign = parsed
            }
            if let value = entry["encrypt"] {
                guard let parsed = SMIMEEncryptPolicy(rawValue: value) else {
                    throw ConfigKeyError(path: "smime.policy", message: "encrypt = \"\(value)\" for \(target): use never, opportunistic or required")
                }
                encrypt = parsed
            }
            if target.contains("@") {
                guard let address = try? EmailAddress(target) else {
                    throw ConfigKeyError(path: "smime.policy", message: "\"\(target)\" is neither an address nor a domain")
                }
                accounts[address.canonical] = (sign, encrypt)
            } else {
                guard let domain = try? Domain(target) else {
                    throw ConfigKeyError(path: "smime.policy", message: "\"\(target)\" is neither an address nor a domain")
                }
                domains[domain.name] = (sign, encrypt)
            }
        }
    }

    public func policy(for account: EmailAddress) -> SMIMESubmissionPolicy {
        let own = accounts[account.canonical]
        let domain = domains[account.domain.name]
        return SMIMESubmissionPolicy(sign: own?.sign ?? domain?.sign ?? fallback.sign,
                                     encrypt: own?.encrypt ?? domain?.encrypt ?? fallback.encrypt)
    }

    /// Whether any account may sign or encrypt (else the stage is not installed).
    public var isActive: Bool {
        fallback.sign != .never || fallback.encrypt != .never || !accounts.isEmpty || !domains.isEmpty
    }
}
