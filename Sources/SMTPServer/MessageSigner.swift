import MailStore

/// Signs mail submitted by an authenticated user before it is delivered or queued (RFC 6376
/// signing at the submission server, RFC 6409 §8). `HatoServer` provides the DKIM one; a signer
/// that has nothing to sign with returns the message unchanged.
public protocol MessageSigner: Sendable {
    func sign(_ message: [UInt8], account: Account) async -> [UInt8]
}
