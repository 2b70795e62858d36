// Bounds on what the OpenPGP wrapper hands to RNP (`[openpgp]` keys, docs/configuration.md):
// RNP parses whatever it is given, so every input is measured first.

public struct OpenPGPLimits: Sendable, Equatable {
    /// The largest certificate file (armored or binary) read by `hato pgp import`.
    public var maxCertificateSize: Int
    /// The largest detached signature (armored or binary) verified; RFC 3156 §5 signatures are
    /// a few hundred bytes, a larger one is refused before RNP reads it.
    public var maxSignatureSize: Int
    /// The most keys (primary keys and subkeys) one import or one verification loads.
    public var maxKeys: Int
    /// The most User IDs read from one certificate.
    public var maxUserIDs: Int
    /// The largest cleartext-signed block (an inline-signed mail body, RFC 9580 §7) verified.
    public var maxCleartextSize: Int

    public init(maxCertificateSize: Int = 256 * 1024, maxSignatureSize: Int = 16 * 1024, maxKeys: Int = 64, maxUserIDs: Int = 32,
                maxCleartextSize: Int = 1024 * 1024) {
        self.maxCertificateSize = maxCertificateSize
        self.maxSignatureSize = maxSignatureSize
        self.maxKeys = maxKeys
        self.maxUserIDs = maxUserIDs
        self.maxCleartextSize = maxCleartextSize
    }
}

public struct OpenPGPError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
