// DKIM signing at the submission server (RFC 6376 §5, RFC 6409 §8): the message is signed as
// it will be stored and sent, after the submission fix-ups.

import MailAuth
import MailCore
import MailStore

/// Signs mail submitted by an authenticated user before it is delivered or queued. `HatoServer`
/// provides the DKIM one; a signer with nothing to sign with returns no fields.
public protocol MessageSigner: Sendable {
    /// The signature fields to put on top of `message` (each ending in CRLF; "" for none).
    func signatureFields(for message: DKIMMessage, account: Account) async -> String
}

/// Runs the signer over the message as the earlier stages left it (their edits applied, the
/// one parse reused) and prepends what it returns.
public struct SigningStage: ReceptionStage {
    public let signer: any MessageSigner
    public var name: String { "dkim-sign" }
    public var phases: ReceptionPhases { .message }

    public init(signer: any MessageSigner) { self.signer = signer }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard let account = client.account else { return .accept }
        let fields = await signer.signatureFields(for: DKIMMessage(message.content), account: account)
        return fields.isEmpty ? .accept : .tag([.header(fields)])
    }
}

/// ARC-seals a message received on the MX listener before the copy for the remote targets of
/// an alias is queued (RFC 8617 §5.1), so the next hop can rely on this host's verdict. `results`
/// is the authres-payload of the Authentication-Results field written here, `chain` the status of
/// the ARC chain as it arrived and `aliases` the recipients that forward outside. `HatoServer`
/// provides the DKIM-key one; a sealer with no key returns the message unchanged.
public protocol ForwardSealer: Sendable {
    func seal(_ message: [UInt8], results: String, chain: ARCResult, aliases: [EmailAddress]) async -> [UInt8]
}
