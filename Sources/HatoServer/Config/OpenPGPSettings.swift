import OpenPGP

/// The `[openpgp]` keys, checked and typed (docs/openpgp.md).
public struct OpenPGPSettings: Sendable {
    /// Verify PGP/MIME signatures of mail arriving on the smtp listener.
    public var verify: Bool
    /// Publish accounts' certificates in the Web Key Directory (`openpgp.web_key_directory`).
    public var webKeyDirectory: Bool
    /// Add an Autocrypt field with the account's certificate to what it sends (`openpgp.autocrypt`).
    public var autocrypt: Bool
    public var limits: OpenPGPLimits

    init(string: (String) -> String?, int: (String) -> Int) {
        verify = (string("openpgp.verify") ?? "on") == "on"
        webKeyDirectory = (string("openpgp.web_key_directory") ?? "on") == "on"
        autocrypt = (string("openpgp.autocrypt") ?? "off") == "on"
        limits = OpenPGPLimits(maxCertificateSize: int("openpgp.max_certificate_size"),
                               maxSignatureSize: int("openpgp.max_signature_size"),
                               maxCleartextSize: int("openpgp.max_inline_size"))
    }
}
