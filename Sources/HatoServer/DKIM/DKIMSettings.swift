import MailAuth

/// The `[dkim]` configuration section.
public struct DKIMSettings: Sendable, Hashable {
    /// `dkim.sign`: sign submitted mail with the From domain's active keys.
    public var sign: Bool
    /// `dkim.signature_lifetime`: x= seconds after t=; 0 for none.
    public var signatureLifetime: Int
    /// `dkim.max_signatures`.
    public var maxSignatures: Int
    /// `dkim.clock_skew`, seconds.
    public var clockSkew: Int

    public init(sign: Bool = true, signatureLifetime: Int = 0, maxSignatures: Int = 10, clockSkew: Int = 300) {
        self.sign = sign
        self.signatureLifetime = signatureLifetime
        self.maxSignatures = maxSignatures
        self.clockSkew = clockSkew
    }

    /// What the inbound verifier uses.
    public var verifierConfiguration: DKIMVerifierConfiguration {
        DKIMVerifierConfiguration(maxSignatures: maxSignatures, clockSkew: clockSkew)
    }
}
