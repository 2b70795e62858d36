// Signing and encryption with RNP for PGP/MIME (RFC 3156): a detached signature over a MIME
// entity (§5, application/pgp-signature) and an encrypted OpenPGP message holding one (§4,
// multipart/encrypted). Each call gets its own RNP context with only the keys it needs, freed
// with it. Output is ASCII armor (RFC 9580 §6.2) with CRLF line endings, ready for a mail body.

import CRNP

public enum OpenPGPOperations {
    /// An armored detached signature (RFC 9580 §5.2.1 type 0x00, binary document) over `data`,
    /// SHA-256 (RFC 3156 §5 micalg=pgp-sha256), by the newest valid signing key of `secretKey`
    /// (an unprotected transferable secret key, as `OpenPGPSecretKey.data`).
    public static func signDetached(_ data: [UInt8], secretKey: [UInt8], limits: OpenPGPLimits = OpenPGPLimits()) throws -> [UInt8] {
        let context = try RNPContext(limits: limits)
        try context.importSecretKeys(secretKey)
        let signer = try signingKey(context)
        defer { rnp_key_handle_destroy(signer) }
        let signature = try RNPContext.withInput(data) { input in
            try RNPContext.withOutput(limit: limits.maxSignatureSize * 4, "cannot sign") { output in
                var operation: rnp_op_sign_t?
                try RNPContext.check(rnp_op_sign_detached_create(&operation, context.ffi, input, output), "cannot start signing")
                guard let operation else { throw OpenPGPError("cannot start signing") }
                defer { rnp_op_sign_destroy(operation) }
                try RNPContext.check(rnp_op_sign_add_signature(operation, signer, nil), "cannot sign with this key")
                try RNPContext.check(rnp_op_sign_set_hash(operation, "SHA256"), "cannot choose SHA-256")
                try RNPContext.check(rnp_op_sign_set_armor(operation, true), "cannot armor")
                try RNPContext.check(rnp_op_sign_execute(operation), "cannot sign")
            }
        }
        return crlf(signature)
    }

    /// `data` encrypted (AES-256; RFC 4880 §5.13 integrity-protected data, which every OpenPGP
    /// implementation reads, GnuPG 2.2 included: no AEAD) to the newest encryption key of each
    /// certificate, armored. `maxOutput` bounds what RNP may write.
    public static func encrypt(_ data: [UInt8], to recipients: [OpenPGPCertificate], maxOutput: Int,
                               limits: OpenPGPLimits = OpenPGPLimits()) throws -> [UInt8] {
        guard !recipients.isEmpty else { throw OpenPGPError("no recipient to encrypt to") }
        let context = try RNPContext(limits: limits)
        var keys: [rnp_key_handle_t] = []
        defer { keys.forEach { rnp_key_handle_destroy($0) } }
        for certificate in recipients {
            guard let fingerprint = certificate.encryptionKeys.last else {
                throw OpenPGPError("certificate \(certificate.fingerprint) has no valid encryption key")
            }
            try context.importPublicKeys(certificate.data)
            keys.append(try context.key(fingerprint: fingerprint))
        }
        let message = try RNPContext.withInput(data) { input in
            try RNPContext.withOutput(limit: maxOutput, "cannot encrypt") { output in
                var operation: rnp_op_encrypt_t?
                try RNPContext.check(rnp_op_encrypt_create(&operation, context.ffi, input, output), "cannot start encryption")
                guard let operation else { throw OpenPGPError("cannot start encryption") }
                defer { rnp_op_encrypt_destroy(operation) }
                for key in keys { try RNPContext.check(rnp_op_encrypt_add_recipient(operation, key), "cannot encrypt to this key") }
                try RNPContext.check(rnp_op_encrypt_set_cipher(operation, "AES256"), "cannot choose AES-256")
                try RNPContext.check(rnp_op_encrypt_set_aead(operation, "None"), "cannot turn AEAD off")
                try RNPContext.check(rnp_op_encrypt_set_armor(operation, true), "cannot armor")
                try RNPContext.check(rnp_op_encrypt_execute(operation), "cannot encrypt")
            }
        }
        return crlf(message)
    }

    /// The newest key of the context with secret material that may sign now; the caller destroys it.
    static func signingKey(_ context: RNPContext) throws -> rnp_key_handle_t {
        var chosen: rnp_key_handle_t?
        for fingerprint in try context.fingerprints() {
            let key = try context.key(fingerprint: fingerprint)
            let usable = try RNPContext.flag("cannot read the key", { rnp_key_have_secret(key, $0) })
                && RNPContext.flag("cannot read validity", { rnp_key_is_valid(key, $0) })
                && RNPContext.flag("cannot read key usage", { rnp_key_allows_usage(key, "sign", $0) })
            if usable {
                if let previous = chosen { rnp_key_handle_destroy(previous) }
                chosen = key
            } else {
                rnp_key_handle_destroy(key)
            }
        }
        guard let chosen else { throw OpenPGPError("the secret key has no valid signing key") }
        return chosen
    }

    /// Bare LF line endings made CRLF (RFC 5322 §2.3: mail has no other).
    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 32)
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == 0x0A && previous != 0x0D { out.append(0x0D) }
            out.append(byte)
            previous = byte
        }
        return out
    }
}
