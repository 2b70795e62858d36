import MailAuth
import MailCore
import MailStore

/// Signs mail submitted by an authenticated user before it is delivered or queued (RFC 6376
/// signing at the submission server, RFC 6409 §8). `HatoServer` provides the DKIM one; a signer
/// that has nothing to sign with returns the message unchanged.
public protocol MessageSigner: Sendable {
    func sign(_ message: [UInt8], account: Account) async -> [UInt8]
}

/// ARC-seals a message received on the MX listener before the copy for the remote targets of
/// an alias is queued (RFC 8617 §5.1), so the next hop can rely on this host's verdict. `results`
/// is the authres-payload of the Authentication-Results field written here, `chain` the status of
/// the ARC chain as it arrived and `aliases` the recipients that forward outside. `HatoServer`
/// provides the DKIM-key one; a sealer with no key returns the message unchanged.
public protocol ForwardSealer: Sendable {
    func seal(_ message: [UInt8], results: String, chain: ARCResult, aliases: [EmailAddress]) async -> [UInt8]
}
