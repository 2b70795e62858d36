import Reception
import SMIME

/// The `[smime]` keys, checked and typed (docs/smime.md). The trust store loads here, once, so
/// a missing or unreadable `smime.trust` entry is a configuration error at startup.
public struct SMIMESettings: Sendable {
    public var verify: Bool
    public var trust: [String]
    public var limits: SMIMELimits
    /// The MX listener's stage, nil when verification is off.
    public var stage: SMIMEStage?

    init(string: (String) -> String?, int: (String) -> Int, list: (String) -> [String]?) throws {
        verify = (string("smime.verify") ?? "on") == "on"
        trust = list("smime.trust") ?? ["system"]
        limits = SMIMELimits(maxSignatureSize: int("smime.max_signature_size"), maxCertificates: int("smime.max_certificates"))
        guard verify else { return }
        do {
            stage = SMIMEStage(verifier: SMIMEVerifier(trust: try SMIMETrustStore(sources: trust), limits: limits))
        } catch let error as SMIMEError {
            throw ConfigKeyError(path: "smime.trust", message: error.description)
        }
    }
}
