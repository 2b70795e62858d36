import Foundation
import MailMessage
import MailStore

/// What an account's copy becomes before it is stored: S/MIME or OpenPGP encryption at rest
/// (docs/smime.md, docs/openpgp.md), composed in HatoServer, which holds the certificates.
public protocol AtRestEncryption: Sendable {
    /// The form of `message` (with our trace fields on top) to store for `account`.
    func storedForm(_ message: ReceivedMessage, for account: Account) async -> AtRestForm
}

public enum AtRestForm: Sendable {
    /// Stored as it is: the account has not opted in, or the message is already encrypted.
    case plain
    /// Stored as these bytes instead (the encrypted message).
    case sealed([UInt8])
    /// The account opted in but the message cannot be encrypted for it (no valid certificate):
    /// nothing is stored, the delivery fails for that account rather than keep plaintext.
    case refused(String)
}

extension LocalDelivery {
    /// The bytes and summary to store for `account`: `message` itself, or its sealed form.
    func stored(_ message: ReceivedMessage, for account: Account) async -> Result<(bytes: [UInt8], summary: Data?), MailStoreError> {
        switch await atRest?.storedForm(message, for: account) ?? .plain {
        case .plain:
            return .success((message.bytes, message.summary.storedForm()))
        case .sealed(let bytes):
            return .success((bytes, ReceivedMessage(bytes: bytes).summary.storedForm()))
        case .refused(let reason):
            logger.notice("not stored: encryption at rest failed", metadata: ["to": "\(account.address)", "reason": "\(reason)"])
            return .failure(.io("encryption at rest for \(account.address.canonical) failed: \(reason)"))
        }
    }

    /// Whether `account`'s copy would be stored as it is (the copies of such accounts share one body).
    func storesPlain(_ account: Account) -> Bool {
        atRest == nil || !(account.smimeAtRest || account.openpgpAtRest)
    }
}
