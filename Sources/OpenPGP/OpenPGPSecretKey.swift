// An account's OpenPGP secret key for server-side signing (issue 21, docs/openpgp.md "Secret
// keys"): a transferable secret key (RFC 9580 §10.2) as `gpg --export-secret-keys` writes it,
// read by RNP, its passphrase protection removed (RFC 9580 §3.7.2: the S2K-protected secret
// fields re-encoded in the clear) so the server can sign without an agent. The caller seals the
// result with the server key before it is stored; it is never written out or logged unsealed.

import CRNP

public struct OpenPGPSecretKey: Sendable {
    /// The public part, as `hato pgp import` stores certificates.
    public var certificate: OpenPGPCertificate
    /// Fingerprints of the keys (the primary or subkeys) with secret material that may sign now.
    public var signingKeys: [String]
    /// The transferable secret key, binary, unprotected: seal it before storing.
    public var data: [UInt8]

    /// Reads one secret key (armored or binary). `password` opens a passphrase-protected key;
    /// without it a protected key is refused.
    public static func read(_ bytes: [UInt8], password: String?, limits: OpenPGPLimits = OpenPGPLimits()) throws -> OpenPGPSecretKey {
        guard !bytes.isEmpty else { throw OpenPGPError("empty secret key file") }
        guard bytes.count <= limits.maxCertificateSize else {
            throw OpenPGPError("secret key of \(bytes.count) bytes, more than \(limits.maxCertificateSize)")
        }
        let context = try RNPContext(limits: limits)
        try context.importSecretKeys(bytes)
        var primaries: [String] = []
        for fingerprint in try context.fingerprints() {
            let key = try context.key(fingerprint: fingerprint)
            defer { rnp_key_handle_destroy(key) }
            if try RNPContext.flag("cannot read the key", { rnp_key_is_primary(key, $0) }) { primaries.append(fingerprint) }
        }
        guard primaries.count == 1, let fingerprint = primaries.first else {
            throw OpenPGPError(primaries.isEmpty ? "no primary key in the input" : "\(primaries.count) keys in the file: import one secret key at a time")
        }
        var signingKeys: [String] = []
        var anySecret = false
        for keyFingerprint in try context.fingerprints() {
            let key = try context.key(fingerprint: keyFingerprint)
            defer { rnp_key_handle_destroy(key) }
            guard try RNPContext.flag("cannot read the key", { rnp_key_have_secret(key, $0) }) else { continue }
            anySecret = true
            if try RNPContext.flag("cannot read the key protection", { rnp_key_is_protected(key, $0) }) {
                guard let password else {
                    throw OpenPGPError("the secret key \(keyFingerprint) is protected by a passphrase: give it with --password-file")
                }
                let result = rnp_key_unprotect(key, password)
                guard result == crnp_success else {
                    throw OpenPGPError(result == crnp_bad_password ? "wrong passphrase for the secret key \(keyFingerprint)"
                                       : "cannot open the secret key \(keyFingerprint): \(RNPContext.describe(result))")
                }
            }
            if try RNPContext.flag("cannot read validity", { rnp_key_is_valid(key, $0) }),
               try RNPContext.flag("cannot read key usage", { rnp_key_allows_usage(key, "sign", $0) }) {
                signingKeys.append(keyFingerprint)
            }
        }
        guard anySecret else { throw OpenPGPError("no secret key material in the file (a certificate: import it without --secret)") }
        guard !signingKeys.isEmpty else { throw OpenPGPError("certificate \(fingerprint) has no valid signing key with its secret part") }
        let primary = try context.key(fingerprint: fingerprint)
        defer { rnp_key_handle_destroy(primary) }
        let certificate = try OpenPGPCertificate.describe(primary, fingerprint: fingerprint, context: context)
        let data = try RNPContext.withOutput(limit: limits.maxCertificateSize * 2, "cannot export the secret key") { output in
            try RNPContext.check(rnp_key_export(primary, output, crnp_export_secret_with_subkeys), "cannot export the secret key")
        }
        return OpenPGPSecretKey(certificate: certificate, signingKeys: signingKeys, data: data)
    }
}
