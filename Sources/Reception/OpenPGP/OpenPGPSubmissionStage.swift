// OpenPGP on submission (docs/openpgp.md "Signing and encrypting on submission"): mail from an
// authenticated account is signed with its secret key (when it gave the server one) and/or
// encrypted PGP/MIME to every recipient whose certificate Hato knows, plus the sender, as the
// account's policy says. Shaped like SMIMESubmissionStage and installed before it; it runs
// before DKIM signing (RFC 6376 §5), so both signatures hold.

import Logging
import MailCore
import MailMessage
import MailStore
import OpenPGP
import SMTPProtocol

/// `[openpgp] sign` (RFC 3156 §5).
public enum OpenPGPSignPolicy: String, Sendable, CaseIterable {
    case never
    /// Sign when the account has a secret key on the server (`hato pgp import --secret`).
    case always
}

/// `[openpgp] encrypt` (RFC 3156 §4).
public enum OpenPGPEncryptPolicy: String, Sendable, CaseIterable {
    case never
    /// Encrypt when every recipient has a certificate, else send as is.
    case opportunistic
    /// Refuse a recipient without a certificate (at RCPT and at the end of DATA).
    case required
}

public struct OpenPGPSubmissionPolicy: Sendable, Equatable {
    public var sign: OpenPGPSignPolicy
    public var encrypt: OpenPGPEncryptPolicy
    public init(sign: OpenPGPSignPolicy = .never, encrypt: OpenPGPEncryptPolicy = .never) {
        self.sign = sign
        self.encrypt = encrypt
    }

    /// Whether it signs or encrypts anything (an account with an active OpenPGP policy is not
    /// given S/MIME's: docs/openpgp.md "With S/MIME").
    public var isActive: Bool { sign != .never || encrypt != .never }
}

/// Where the stage gets policies and keys (`HatoServer` reads the store and unseals secret
/// keys with the server key).
public protocol OpenPGPKeyring: Sendable {
    func policy(for account: EmailAddress) -> OpenPGPSubmissionPolicy
    /// The account's newest secret key that can sign (unsealed, `OpenPGPSecretKey.data`), nil when none.
    func secretKey(for account: EmailAddress) async throws -> [UInt8]?
    /// The newest valid certificate that can encrypt to `address` in mail `sender` sends, nil when
    /// none (the sender's Autocrypt peers count too: docs/openpgp.md#learning-correspondents-keys).
    func encryptionCertificate(for address: EmailAddress, sender: EmailAddress) async throws -> OpenPGPCertificate?
    /// The account's own valid certificates that can encrypt (so the sender can read the copy).
    func ownCertificates(for account: EmailAddress) async throws -> [OpenPGPCertificate]
    var limits: OpenPGPLimits { get }
    /// RFC 9788 header protection (`openpgp.header_protection`), as S/MIME's.
    var headerProtection: Bool { get }
    /// Autocrypt-Gossip in mail encrypted to several recipients (`openpgp.autocrypt_gossip`).
    var autocryptGossip: Bool { get }
}

extension OpenPGPKeyring {
    public var headerProtection: Bool { false }
    public var autocryptGossip: Bool { false }
}

public struct OpenPGPSubmissionStage: ReceptionStage {
    public let keyring: any OpenPGPKeyring
    public var name: String { "openpgp-submission" }
    public var phases: ReceptionPhases { [.recipient, .message] }

    public init(keyring: any OpenPGPKeyring) { self.keyring = keyring }

    public func recipient(_ recipient: inout ReceptionRecipient, transaction: ReceptionTransaction,
                          client: ReceptionClient) async -> ReceptionVerdict {
        guard let account = client.account, keyring.policy(for: account.address).encrypt == .required else { return .accept }
        do {
            if try await keyring.encryptionCertificate(for: recipient.address, sender: account.address) == nil { return .reject(Self.noCertificate(recipient.address)) }
            return .accept
        } catch {
            return .defer(Self.unavailable(error))
        }
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard let account = client.account else { return .accept }
        let policy = keyring.policy(for: account.address)
        guard policy.isActive, !SMIMEComposer.isProtected(message.content.parsed) else { return .accept }
        do {
            let secretKey = policy.sign == .always ? try await keyring.secretKey(for: account.address) : nil
            var found: [(address: EmailAddress, certificate: OpenPGPCertificate)] = []
            var missing: [EmailAddress] = []
            var recipients: [OpenPGPCertificate] = []
            if policy.encrypt != .never {
                (found, missing) = try await SubmissionProtection.certificates(for: transaction.recipients.map(\.address)) { address in
                    try await keyring.encryptionCertificate(for: address, sender: account.address).map { (address: address, certificate: $0) }
                }
                if policy.encrypt == .required, let first = missing.first { return .reject(Self.noCertificate(first)) }
                // The sender too, so the copy kept in Sent stays readable (issue 21).
                recipients = found.map(\.certificate) + (try await keyring.ownCertificates(for: account.address))
            }
            let encrypt = policy.encrypt != .never && missing.isEmpty && !recipients.isEmpty
            let sign = secretKey != nil
            if policy.sign == .always && !sign {
                client.logger.info("openpgp: not signed, the account has no secret key", metadata: ["id": "\(transaction.id)"])
            }
            guard sign || encrypt else {
                if policy.encrypt != .never {
                    client.logger.info("openpgp: not encrypted", metadata: ["id": "\(transaction.id)", "without-key": "\(missing.map(\.description))"])
                }
                return .accept
            }
            let limits = keyring.limits
            var signing: ((SMIMEComposer.Split) throws -> [UInt8])?
            if let secretKey { signing = { try PGPMIMEComposer.signed($0, secretKey: secretKey, limits: limits) } }
            var encrypting: ((SMIMEComposer.Split) throws -> [UInt8])?
            if encrypt {
                encrypting = { [keys = SubmissionProtection.unique(recipients, by: \.fingerprint)] in
                    try PGPMIMEComposer.encrypted($0, to: keys, limits: limits)
                }
            }
            let gossip = encrypt && keyring.autocryptGossip ? AutocryptGossip.fields(message.content.parsed.header, recipients: found, sender: account.address) : []
            let bytes = try SubmissionProtection.compose(message.content.bytes, headerProtection: keyring.headerProtection,
                                                         payloadFields: gossip, sign: signing, encrypt: encrypting)
            message.content = ReceivedMessage(bytes: bytes)
            SubmissionProtection.log("openpgp", client: client, transaction: transaction, signed: sign, encryptedTo: encrypt ? recipients.count : 0)
            return .accept
        } catch {
            return .defer(Self.unavailable(error))
        }
    }

    static func noCertificate(_ address: EmailAddress) -> ReceptionRefusal {
        ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 7, 1)!,
                         "No OpenPGP key for <\(address)>: encryption is required (hato pgp import-contact)")
    }

    static func unavailable(_ error: any Error) -> ReceptionRefusal {
        ReceptionRefusal(451, SMTPEnhancedStatusCode(4, 7, 0)!, "OpenPGP processing failed, try again later", cause: "\(error)")
    }
}
