// OpenPGP (RFC 9580, RFC 3156): arbitrary bytes as a certificate and as a detached signature,
// through Hato's wrapper over RNP (Sources/OpenPGP), the C boundary of issue 21.

import OpenPGP

/// `openpgp-verify`: the input read as certificates, then verified as a signature over its own
/// first 64 bytes, once with no certificates and once against itself as a certificate, and as a
/// cleartext-signed block (inline PGP, RFC 9580 §7) with no certificate. Nothing
/// may trap or leak (the libFuzzer build runs with leak detection); without a certificate
/// nothing verifies; the limits hold.
enum OpenPGPTarget {
    static let limits = OpenPGPLimits(maxCertificateSize: 65_536, maxSignatureSize: 65_536, maxKeys: 16, maxUserIDs: 16,
                                      maxCleartextSize: 65_536)
    static let verifier = OpenPGPVerifier(limits: limits)

    static func run(_ bytes: [UInt8]) {
        if let certificates = try? OpenPGPCertificate.read(bytes, limits: limits) {
            precondition(!certificates.isEmpty, "read returned no certificate without throwing")
            for certificate in certificates {
                precondition(certificate.userIDs.count <= limits.maxUserIDs, "more User IDs than the limit")
                precondition(certificate.encryptionKeys.count <= limits.maxKeys + 1, "more encryption keys than the limit")
            }
        }
        let content = Array(bytes.prefix(64))
        if case .good = verifier.verifyDetached(signature: bytes, content: content, certificates: []) {
            preconditionFailure("a signature verified without a certificate")
        }
        _ = verifier.verifyDetached(signature: bytes, content: content, certificates: [bytes])
        if case .good = verifier.verifyCleartext(bytes, certificates: []) {
            preconditionFailure("a cleartext signature verified without a certificate")
        }
    }
}

/// `autocrypt-field`: each line of the input as the value of an Autocrypt field (Level 1 §2.1),
/// then all of them as one message's fields for the first address found. Nothing may trap; a
/// parsed field's key stays within the limit; a key is only given for a certificate with a valid
/// User ID for the address asked about.
enum AutocryptFieldTarget {
    static func run(_ bytes: [UInt8]) {
        let values = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var address: String?
        for value in values {
            guard let field = AutocryptField.parse(value, maxKeydata: OpenPGPTarget.limits.maxCertificateSize) else { continue }
            precondition(field.keydata.count <= OpenPGPTarget.limits.maxCertificateSize, "keydata over the limit")
            precondition(field.address == field.address.lowercased(), "address not lower-cased")
            address = address ?? field.address
        }
        guard let address else { return }
        if let found = AutocryptField.key(in: values, for: address, limits: OpenPGPTarget.limits) {
            precondition(found.certificate.addresses.contains(address), "a key without the address's User ID")
            precondition(!found.certificate.encryptionKeys.isEmpty, "a key that cannot encrypt")
        }
    }
}
