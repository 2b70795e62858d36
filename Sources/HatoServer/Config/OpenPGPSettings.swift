import MailCore
import OpenPGP
import Reception

/// The `[openpgp]` keys, checked and typed (docs/openpgp.md).
public struct OpenPGPSettings: Sendable {
    /// Verify PGP/MIME signatures of mail arriving on the smtp listener.
    public var verify: Bool
    /// Publish accounts' certificates in the Web Key Directory (`openpgp.web_key_directory`).
    public var webKeyDirectory: Bool
    /// Add an Autocrypt field with the account's certificate to what it sends (`openpgp.autocrypt`).
    public var autocrypt: Bool
    public var limits: OpenPGPLimits
    /// Signing and encryption on submission: `sign`/`encrypt` and the `[[openpgp.policy]]` entries.
    public var policies: OpenPGPPolicies
    /// Fields kept in clear above a message encrypted at rest (`openpgp.at_rest_headers`).
    public var atRestHeaders: [String]
    /// RFC 9788 header protection on submission (`openpgp.header_protection`).
    public var headerProtection: Bool
    /// Autocrypt-Gossip in mail encrypted to several recipients (`openpgp.autocrypt_gossip`).
    public var autocryptGossip: Bool

    init(string: (String) -> String?, int: (String) -> Int, list: (String) -> [String]?, tables: [[String: String]]) throws {
        verify = (string("openpgp.verify") ?? "on") == "on"
        webKeyDirectory = (string("openpgp.web_key_directory") ?? "on") == "on"
        autocrypt = (string("openpgp.autocrypt") ?? "off") == "on"
        limits = OpenPGPLimits(maxCertificateSize: int("openpgp.max_certificate_size"),
                               maxSignatureSize: int("openpgp.max_signature_size"),
                               maxCleartextSize: int("openpgp.max_inline_size"))
        atRestHeaders = list("openpgp.at_rest_headers") ?? Self.defaultAtRestHeaders
        headerProtection = (string("openpgp.header_protection") ?? "off") == "on"
        autocryptGossip = (string("openpgp.autocrypt_gossip") ?? "off") == "on"
        let fallback = OpenPGPSubmissionPolicy(sign: OpenPGPSignPolicy(rawValue: string("openpgp.sign") ?? "never") ?? .never,
                                               encrypt: OpenPGPEncryptPolicy(rawValue: string("openpgp.encrypt") ?? "never") ?? .never)
        policies = try OpenPGPPolicies(fallback: fallback, entries: tables)
    }

    /// The same as S/MIME's (`smime.at_rest_headers`): what mail clients need to list and thread.
    static let defaultAtRestHeaders = ["Date", "From", "Sender", "Reply-To", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References"]
}

/// Who signs and encrypts what on submission: an `[[openpgp.policy]]` entry for the account's
/// address, else one for its domain, else `openpgp.sign`/`openpgp.encrypt` — the shape of
/// `[[smime.policy]]` (SMIMEPolicies). An entry sets either or both.
public struct OpenPGPPolicies: Sendable {
    public var fallback: OpenPGPSubmissionPolicy
    var accounts: [String: (sign: OpenPGPSignPolicy?, encrypt: OpenPGPEncryptPolicy?)] = [:]
    var domains: [String: (sign: OpenPGPSignPolicy?, encrypt: OpenPGPEncryptPolicy?)] = [:]

    init(fallback: OpenPGPSubmissionPolicy, entries: [[String: String]]) throws {
        self.fallback = fallback
        for entry in entries {
            guard let target = entry["for"]?.lowercased(), !target.isEmpty else { continue }
            var sign: OpenPGPSignPolicy?, encrypt: OpenPGPEncryptPolicy?
            if let value = entry["sign"] {
                guard let parsed = OpenPGPSignPolicy(rawValue: value) else {
                    throw ConfigKeyError(path: "openpgp.policy", message: "sign = \"\(value)\" for \(target): use never or always")
                }
                sign = parsed
            }
            if let value = entry["encrypt"] {
                guard let parsed = OpenPGPEncryptPolicy(rawValue: value) else {
                    throw ConfigKeyError(path: "openpgp.policy", message: "encrypt = \"\(value)\" for \(target): use never, opportunistic or required")
                }
                encrypt = parsed
            }
            if target.contains("@") {
                guard let address = try? EmailAddress(target) else {
                    throw ConfigKeyError(path: "openpgp.policy", message: "\"\(target)\" is neither an address nor a domain")
                }
                accounts[address.canonical] = (sign, encrypt)
            } else {
                guard let domain = try? Domain(target) else {
                    throw ConfigKeyError(path: "openpgp.policy", message: "\"\(target)\" is neither an address nor a domain")
                }
                domains[domain.name] = (sign, encrypt)
            }
        }
    }

    public func policy(for account: EmailAddress) -> OpenPGPSubmissionPolicy {
        let own = accounts[account.canonical]
        let domain = domains[account.domain.name]
        return OpenPGPSubmissionPolicy(sign: own?.sign ?? domain?.sign ?? fallback.sign,
                                       encrypt: own?.encrypt ?? domain?.encrypt ?? fallback.encrypt)
    }

    /// Whether any account may sign or encrypt (else the stage is not installed).
    public var isActive: Bool { fallback.isActive || !accounts.isEmpty || !domains.isEmpty }
}
