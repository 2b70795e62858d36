// The two hashes of RFC 6376 §3.7, shared by the signer, the verifier and ARC (RFC 8617 §5.1
// uses the same computation for AMS and AS).

import Crypto
import Foundation

public enum DKIMHashing {
    /// bh=: SHA-256 of the canonical body, cut to `length` bytes when l= is used.
    /// Returns the hash and the canonical body's full length.
    public static func bodyHash(_ body: ArraySlice<UInt8>, canonicalization: DKIMCanonicalization,
                                length: Int? = nil) -> (hash: [UInt8], canonicalLength: Int) {
        // One pass, no canonical copy (DKIMBodyDigest); DKIMCanonicalizer.body is the reference.
        let result = DKIMBodyDigest<SHA256>.digest(body, canonicalization, limit: length)
        return (Array(result.digest), result.canonicalLength)
    }

    /// SHA-1 of the canonical body, only so an rsa-sha1 signature's failure can say which part failed.
    static func bodyHashSHA1(_ body: ArraySlice<UInt8>, canonicalization: DKIMCanonicalization) -> [UInt8] {
        Array(DKIMBodyDigest<Insecure.SHA1>.digest(body, canonicalization, limit: nil).digest)
    }

    /// The header hash: each selected field canonicalized (a missing one contributes nothing,
    /// §5.4.2), then the signature field itself with b= emptied and no trailing CRLF (§3.7).
    public static func headerHash(_ fields: [DKIMHeaderField?], signatureField: ArraySlice<UInt8>,
                                  canonicalization: DKIMCanonicalization) -> SHA256.Digest {
        var hasher = SHA256()
        hasher.update(data: canonicalHeaderInput(fields, signatureField: signatureField, canonicalization: canonicalization))
        return hasher.finalize()
    }

    /// The bytes the header hash is taken over (exposed for tests and debugging).
    public static func canonicalHeaderInput(_ fields: [DKIMHeaderField?], signatureField: ArraySlice<UInt8>,
                                            canonicalization: DKIMCanonicalization) -> [UInt8] {
        var input: [UInt8] = []
        for case let field? in fields {
            input += DKIMCanonicalizer.header(field.raw, canonicalization)
        }
        var own = DKIMCanonicalizer.header(DKIMCanonicalizer.removingSignatureValue(signatureField)[...], canonicalization)
        if own.count >= 2, own[own.count - 2] == 0x0D, own[own.count - 1] == 0x0A { own.removeLast(2) }
        input += own
        return input
    }

    /// Canonical header-field bytes for one field (relaxed or simple), with its CRLF.
    public static func canonicalHeader(_ raw: ArraySlice<UInt8>, _ canonicalization: DKIMCanonicalization) -> [UInt8] {
        DKIMCanonicalizer.header(raw, canonicalization)
    }

    /// Canonical body bytes.
    public static func canonicalBody(_ body: ArraySlice<UInt8>, _ canonicalization: DKIMCanonicalization) -> [UInt8] {
        DKIMCanonicalizer.body(body, canonicalization)
    }
}
