// Detached signature verification (RFC 3156 §5 PGP/MIME, RFC 9580 §5.2.4) with RNP against a
// given set of certificates: the signature over the exact bytes, made by a key of one of those
// certificates that was valid for signing when it signed (RNP checks the key's binding and
// revocation signatures and its expiry). Which certificates to offer, and matching the signer's
// User IDs to From, are the caller's.

import CRNP

/// The certificate and key that made a good signature.
public struct OpenPGPSigner: Sendable, Equatable {
    /// The certificate's (primary key's) fingerprint.
    public var fingerprint: String
    /// The key that signed: the primary key or one of its signing subkeys.
    public var signingKey: String
}

public enum OpenPGPVerification: Sendable, Equatable {
    case good(OpenPGPSigner)
    /// The signature was processed and does not hold (changed data, expired, revoked key ...).
    case bad(String)
    /// No offered certificate has the signing key; the issuer key ID when the signature names one.
    case unknownSigner(String?)
    /// Not a usable signature (not OpenPGP, over a limit).
    case unusable(String)
}

public struct OpenPGPVerifier: Sendable {
    public let limits: OpenPGPLimits
    /// The most signatures in one signature part looked at (RFC 3156 §5 allows several).
    static let maxSignatures = 8

    public init(limits: OpenPGPLimits = OpenPGPLimits()) {
        self.limits = limits
    }

    /// `signature`: the application/pgp-signature body (armored or binary); `content`: the
    /// signed bytes (RFC 3156 §5: the first part's MIME header and body, CRLF line endings);
    /// `certificates`: binary or armored certificates to verify against.
    public func verifyDetached(signature: [UInt8], content: [UInt8], certificates: [[UInt8]]) -> OpenPGPVerification {
        guard !signature.isEmpty else { return .unusable("empty signature") }
        guard signature.count <= limits.maxSignatureSize else {
            return .unusable("signature of \(signature.count) bytes, more than \(limits.maxSignatureSize)")
        }
        return verifying(certificates) { context in
            try RNPContext.withInput(content) { data in
                try RNPContext.withInput(signature) { signatureInput in
                    try verify(context: context, data: data, signature: signatureInput)
                }
            }
        }
    }

    /// `body` with a context holding `certificates`; a failure is the verification's `unusable` reason.
    private func verifying(_ certificates: [[UInt8]], _ body: (RNPContext) throws -> OpenPGPVerification) -> OpenPGPVerification {
        do {
            let context = try RNPContext(limits: limits)
            for certificate in certificates where certificate.count <= limits.maxCertificateSize {
                // A stored certificate RNP cannot read is skipped: the others may still verify.
                try? context.importPublicKeys(certificate)
            }
            return try body(context)
        } catch let error as OpenPGPError {
            return .unusable(error.description)
        } catch {
            return .unusable("\(error)")
        }
    }

    /// `text`: a cleartext-signed block (RFC 9580 §7, from "-----BEGIN PGP SIGNED MESSAGE-----"
    /// to "-----END PGP SIGNATURE-----"), as an inline-signed mail body carries it; RNP undoes
    /// the dash-escaping and the trailing-whitespace rule and checks the signature over the text.
    /// The recovered text is not kept (nothing is written out).
    public func verifyCleartext(_ text: [UInt8], certificates: [[UInt8]]) -> OpenPGPVerification {
        guard !text.isEmpty else { return .unusable("empty signed text") }
        guard text.count <= limits.maxCleartextSize else {
            return .unusable("signed text of \(text.count) bytes, more than \(limits.maxCleartextSize)")
        }
        return verifying(certificates) { context in
            try RNPContext.withInput(text) { input in
                var output: rnp_output_t?
                try RNPContext.check(rnp_output_to_null(&output), "cannot discard the text")
                guard let output else { return .unusable("cannot discard the text") }
                defer { rnp_output_destroy(output) }
                var operation: rnp_op_verify_t?
                try RNPContext.check(rnp_op_verify_create(&operation, context.ffi, input, output), "cannot start verification")
                guard let operation else { return .unusable("cannot start verification") }
                defer { rnp_op_verify_destroy(operation) }
                return try signatures(of: operation)
            }
        }
    }

    private func verify(context: RNPContext, data: rnp_input_t, signature: rnp_input_t) throws -> OpenPGPVerification {
        var operation: rnp_op_verify_t?
        try RNPContext.check(rnp_op_verify_detached_create(&operation, context.ffi, data, signature), "cannot start verification")
        guard let operation else { return .unusable("cannot start verification") }
        defer { rnp_op_verify_destroy(operation) }
        return try signatures(of: operation)
    }

    /// Runs the operation and reads its signatures: the first good one, else the first result.
    private func signatures(of operation: rnp_op_verify_t) throws -> OpenPGPVerification {
        let executed = rnp_op_verify_execute(operation)
        var count = 0
        try RNPContext.check(rnp_op_verify_get_signature_count(operation, &count), "cannot count signatures")
        guard count > 0 else {
            return .unusable(executed == crnp_success ? "no signature" : "not an OpenPGP signature: \(RNPContext.describe(executed))")
        }
        var first: OpenPGPVerification?
        for index in 0..<min(count, Self.maxSignatures) {
            var handle: rnp_op_verify_signature_t?
            try RNPContext.check(rnp_op_verify_get_signature_at(operation, index, &handle), "cannot read signature \(index)")
            guard let handle else { continue }
            let outcome = try outcome(of: handle)
            if case .good = outcome { return outcome }
            if first == nil { first = outcome }
        }
        return first ?? .unusable("no signature")
    }

    /// One signature's result; `handle` belongs to the operation (not destroyed here).
    private func outcome(of handle: rnp_op_verify_signature_t) throws -> OpenPGPVerification {
        let status = rnp_op_verify_signature_get_status(handle)
        switch status {
        case crnp_success:
            var key: rnp_key_handle_t?
            try RNPContext.check(rnp_op_verify_signature_get_key(handle, &key), "cannot read the signing key")
            guard let key else { return .unknownSigner(nil) }
            defer { rnp_key_handle_destroy(key) }
            var text: UnsafeMutablePointer<CChar>?
            let signingKey = try RNPContext.take(rnp_key_get_fprint(key, &text), text, "cannot read the signing key")
            let primary = try RNPContext.flag("cannot read the signing key") { rnp_key_is_primary(key, $0) }
            var primaryText: UnsafeMutablePointer<CChar>?
            let fingerprint = primary ? signingKey
                : try RNPContext.take(rnp_key_get_primary_fprint(key, &primaryText), primaryText, "cannot read the certificate")
            return .good(OpenPGPSigner(fingerprint: fingerprint, signingKey: signingKey))
        case crnp_key_not_found:
            return .unknownSigner(try? issuerKeyID(handle))
        case crnp_signature_expired:
            return .bad("signature expired")
        case crnp_signature_invalid:
            return .bad("signature does not match the content or the key is not valid for signing")
        default:
            return .bad(RNPContext.describe(status))
        }
    }

    private func issuerKeyID(_ handle: rnp_op_verify_signature_t) throws -> String? {
        var signature: rnp_signature_handle_t?
        try RNPContext.check(rnp_op_verify_signature_get_handle(handle, &signature), "cannot read the signature")
        guard let signature else { return nil }
        defer { rnp_signature_handle_destroy(signature) }
        var text: UnsafeMutablePointer<CChar>?
        return try RNPContext.take(rnp_signature_get_keyid(signature, &text), text, "no issuer key ID")
    }
}
