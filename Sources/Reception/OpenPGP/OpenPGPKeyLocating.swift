import MailStore

/// Finds a correspondent's certificates outside the contact directory — their domain's Web Key
/// Directory or OPENPGPKEY records (docs/openpgp.md#finding-keys) — for a signer the directory
/// has none for. Composed by HatoServer; the stage sees only this.
public protocol OpenPGPKeyLocating: Sendable {
    /// Certificates with a valid User ID for `address` (lower-cased), already added to the
    /// contact directory, or nil when none was found within the lookup's time limit.
    func locate(address: String) async -> LocatedOpenPGPKeys?
}

public struct LocatedOpenPGPKeys: Sendable, Equatable {
    public var certificates: [StoredOpenPGPCertificate]
    /// Where they came from: "wkd-advanced", "wkd-direct" or "openpgpkey" (`key-source=` in
    /// Hato-OpenPGP).
    public var source: String

    public init(certificates: [StoredOpenPGPCertificate], source: String) {
        self.certificates = certificates
        self.source = source
    }
}
