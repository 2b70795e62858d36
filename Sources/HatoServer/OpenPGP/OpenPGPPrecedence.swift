// When S/MIME and OpenPGP policies both apply to an account (docs/openpgp.md "With S/MIME"): a
// message can be protected only one way, and both stages refusing at RCPT would make `required`
// demand both kinds of key. So an account whose OpenPGP policy signs or encrypts gets no S/MIME
// policy: the S/MIME stage sees `never`/`never` for it. Accounts whose OpenPGP policy is
// `never`/`never` keep their S/MIME policy as configured.

import MailCore
import Reception
import SMIME

public struct OpenPGPFirstSMIMEKeyring: SMIMEKeyring {
    public let base: any SMIMEKeyring
    public let openpgp: OpenPGPPolicies

    public init(base: any SMIMEKeyring, openpgp: OpenPGPPolicies) {
        self.base = base
        self.openpgp = openpgp
    }

    public func policy(for account: EmailAddress) -> SMIMESubmissionPolicy {
        openpgp.policy(for: account).isActive ? SMIMESubmissionPolicy() : base.policy(for: account)
    }

    public func identity(for account: EmailAddress) async throws -> SMIMEIdentity? { try await base.identity(for: account) }
    public func encryptionCertificate(for address: EmailAddress) async throws -> SMIMECertificate? {
        try await base.encryptionCertificate(for: address)
    }
    public var rsaPSS: Bool { base.rsaPSS }
    public var contentCipher: SMIMEContentCipher { base.contentCipher }
    public var headerProtection: Bool { base.headerProtection }
}
