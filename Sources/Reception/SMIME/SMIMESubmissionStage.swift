// S/MIME on submission (docs/smime.md "Signing and encrypting on submission"): mail from an
// authenticated account is signed with its key and/or encrypted to every recipient whose
// certificate Hato knows, plus the sender, as the account's policy says. It runs before DKIM
// signing (RFC 6376 §5: the signer signs the message as sent), so both signatures hold.

import Logging
import MailCore
import MailMessage
import MailStore
import SMIME
import SMTPProtocol

/// `[smime] sign` (RFC 8551 §3.5).
public enum SMIMESignPolicy: String, Sendable, CaseIterable {
    case never, always
    /// Only when the client asks with `Hato-SMIME: sign`.
    case ifRequested = "if-requested"
}

/// `[smime] encrypt` (RFC 8551 §3.3).
public enum SMIMEEncryptPolicy: String, Sendable, CaseIterable {
    case never
    /// Encrypt when every recipient has a certificate, else send as is.
    case opportunistic
    /// Refuse a recipient without a certificate (at RCPT and at the end of DATA).
    case required
}

public struct SMIMESubmissionPolicy: Sendable, Equatable {
    public var sign: SMIMESignPolicy
    public var encrypt: SMIMEEncryptPolicy
    public init(sign: SMIMESignPolicy = .never, encrypt: SMIMEEncryptPolicy = .never) {
        self.sign = sign
        self.encrypt = encrypt
    }
}

/// Where the stage gets policies and key material (`HatoServer` reads the store and unseals
/// keys with the server key).
public protocol SMIMEKeyring: Sendable {
    func policy(for account: EmailAddress) -> SMIMESubmissionPolicy
    /// The account's newest valid identity with its key, nil when it has none.
    func identity(for account: EmailAddress) async throws -> SMIMEIdentity?
    /// The newest valid certificate usable for encryption to `address`, nil when none.
    func encryptionCertificate(for address: EmailAddress) async throws -> SMIMECertificate?
    /// RSA keys sign with RSASSA-PSS instead of PKCS#1 v1.5 (`smime.rsa_signature = "pss"`).
    var rsaPSS: Bool { get }
    /// What encrypted mail is encrypted with (`smime.content_encryption`).
    var contentCipher: SMIMEContentCipher { get }
    /// RFC 9788 header protection (`smime.header_protection`).
    var headerProtection: Bool { get }
}

extension SMIMEKeyring {
    public var rsaPSS: Bool { false }
    public var contentCipher: SMIMEContentCipher { .aes256CBC }
    public var headerProtection: Bool { false }
}

public struct SMIMESubmissionStage: ReceptionStage {
    /// The field a client sets to ask for a signature under `if-requested`; always removed.
    public static let requestField = "Hato-SMIME"

    public let keyring: any SMIMEKeyring
    public var name: String { "smime-submission" }
    public var phases: ReceptionPhases { [.recipient, .message] }

    public init(keyring: any SMIMEKeyring) { self.keyring = keyring }

    public func recipient(_ recipient: inout ReceptionRecipient, transaction: ReceptionTransaction,
                          client: ReceptionClient) async -> ReceptionVerdict {
        guard let account = client.account, keyring.policy(for: account.address).encrypt == .required else { return .accept }
        do {
            if try await keyring.encryptionCertificate(for: recipient.address) == nil { return .reject(Self.noCertificate(recipient.address)) }
            return .accept
        } catch {
            return .defer(Self.unavailable(error))
        }
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard let account = client.account else { return .accept }
        let policy = keyring.policy(for: account.address)
        let request = message.content.header.fields(named: Self.requestField).map { $0.value.lowercased() }
        message.content.removeReceivedFields { $0.hasName(Self.requestField) }
        let sign = policy.sign == .always || (policy.sign == .ifRequested && request.contains { $0.contains("sign") })
        guard sign || policy.encrypt != .never, !SMIMEComposer.isProtected(message.content.parsed) else { return .accept }
        do {
            let identity = try await keyring.identity(for: account.address)
            if sign && identity == nil {
                return .reject(ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 7, 1)!,
                                                "No S/MIME key for \(account.address) to sign with (hato smime import)"))
            }
            var recipients: [SMIMECertificate] = []
            var missing: [EmailAddress] = []
            if policy.encrypt != .never {
                (recipients, missing) = try await SubmissionProtection.certificates(for: transaction.recipients.map(\.address)) {
                    try await keyring.encryptionCertificate(for: $0)
                }
                if policy.encrypt == .required, let first = missing.first { return .reject(Self.noCertificate(first)) }
                // The sender too, so the copy they keep stays readable (issue 20 §2).
                if let own = identity?.certificate, own.canEncrypt { recipients.append(own) }
            }
            let encrypt = policy.encrypt != .never && missing.isEmpty && !recipients.isEmpty
            guard sign || encrypt else {
                client.logger.info("smime: not encrypted", metadata: ["id": "\(transaction.id)", "without-certificate": "\(missing.map(\.description))"])
                return .accept
            }
            var signing: ((SMIMEComposer.Split) throws -> [UInt8])?
            if sign, let identity { signing = { [rsaPSS = keyring.rsaPSS] in try SMIMEComposer.signed($0, identity: identity, rsaPSS: rsaPSS) } }
            var encrypting: ((SMIMEComposer.Split) throws -> [UInt8])?
            if encrypt {
                encrypting = { [keys = SubmissionProtection.unique(recipients, by: \.fingerprint), cipher = keyring.contentCipher] in
                    try SMIMEComposer.encrypted($0, to: keys, cipher: cipher)
                }
            }
            let bytes = try SubmissionProtection.compose(message.content.bytes, headerProtection: keyring.headerProtection,
                                                         sign: signing, encrypt: encrypting)
            message.content = ReceivedMessage(bytes: bytes)
            SubmissionProtection.log("smime", client: client, transaction: transaction, signed: sign, encryptedTo: encrypt ? recipients.count : 0)
            return .accept
        } catch {
            return .defer(Self.unavailable(error))
        }
    }

    static func noCertificate(_ address: EmailAddress) -> ReceptionRefusal {
        ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 7, 1)!,
                         "No S/MIME certificate for <\(address)>: encryption is required (hato smime import-cert)")
    }

    static func unavailable(_ error: any Error) -> ReceptionRefusal {
        ReceptionRefusal(451, SMTPEnhancedStatusCode(4, 7, 0)!, "S/MIME processing failed, try again later", cause: "\(error)")
    }
}
