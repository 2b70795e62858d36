// Making CMS structures (RFC 5652) for S/MIME 4.0 (RFC 8551): a detached SignedData over a
// MIME entity with SHA-256 (§2.1 MUST), an EnvelopedData with AES-256-CBC content encryption
// (§2.7 MUST support AES-128 CBC, SHOULD AES-256; CBC is what every client still reads), and
// its decryption. The bytes are taken as canonical already (CMS_BINARY: no CRLF translation,
// RFC 8551 §3.1.1 is the caller's).

import CCMS

extension SMIMEIdentity {
    /// A detached SignedData (DER) over `content`: the signer certificate and the chain are
    /// included (RFC 8551 §2.4.1), with signingTime and SMIMECapabilities signed attributes
    /// (§2.5.1, §2.5.2). RSA keys sign with PKCS#1 v1.5 (§2.2 MUST), or RSASSA-PSS when `rsaPSS`
    /// (§2.2 SHOULD+, RFC 4056); EC keys with ECDSA.
    public func signDetached(_ content: [UInt8], rsaPSS: Bool = false) throws -> [UInt8] {
        let extra = try SMIMECertificateList(chain)
        let pss = rsaPSS && ccms_key_is_rsa(key) == 1
        return try certificate.withX509 { signer in
            try withMemoryBIO(content) { input in
                let flags = UInt32(CMS_DETACHED | CMS_BINARY | CMS_PARTIAL)
                guard let cms = CMS_sign(nil, nil, extra.stack, nil, flags) else { throw SMIMEError("cannot start a signature: \(SMIMEError.lastOpenSSLError())") }
                defer { CMS_ContentInfo_free(cms) }
                // CMS_KEY_PARAM leaves the key context open so the padding can be set before signing.
                guard let info = CMS_add1_signer(cms, signer, key, EVP_sha256(), flags | (pss ? UInt32(CMS_KEY_PARAM) : 0)) else {
                    throw SMIMEError("cannot sign with this key: \(SMIMEError.lastOpenSSLError())")
                }
                if pss, ccms_signer_use_pss(info) != 1 { throw SMIMEError("cannot use RSA-PSS: \(SMIMEError.lastOpenSSLError())") }
                guard CMS_final(cms, input, nil, flags) == 1 else { throw SMIMEError("signing failed: \(SMIMEError.lastOpenSSLError())") }
                return try SMIMEOperations.der(cms)
            }
        }
    }

    /// The content of an EnvelopedData (DER) addressed to this identity's certificate.
    public func decrypt(_ der: [UInt8], limit: Int) throws -> [UInt8] {
        guard der.count <= limit else { throw SMIMEError("encrypted part larger than \(limit) bytes") }
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_CMS_ContentInfo(nil, &cursor, buffer.count)
        }
        guard let cms = parsed else { ERR_clear_error(); throw SMIMEError("not a CMS structure") }
        defer { CMS_ContentInfo_free(cms) }
        let type = OBJ_obj2nid(CMS_get0_type(cms))
        guard type == NID_pkcs7_enveloped || type == NID_id_smime_ct_authEnvelopedData else {
            throw SMIMEError("not CMS EnvelopedData")
        }
        guard let output = BIO_new(BIO_s_mem()) else { throw SMIMEError("out of memory") }
        defer { BIO_free(output) }
        let decrypted = try certificate.withX509 { CMS_decrypt(cms, key, $0, nil, output, UInt32(CMS_BINARY)) }
        guard decrypted == 1 else { throw SMIMEError("cannot decrypt: \(SMIMEError.lastOpenSSLError())") }
        return readAll(output)
    }
}

public enum SMIMEOperations {
    /// An EnvelopedData (DER) of `content` for every certificate in `recipients` (RSA key
    /// transport or EC key agreement, as each key allows: RFC 8551 §2.3).
    public static func encrypt(_ content: [UInt8], to recipients: [SMIMECertificate], cipher: SMIMEContentCipher = .aes256CBC) throws -> [UInt8] {
        guard !recipients.isEmpty else { throw SMIMEError("no recipient certificate") }
        let list = try SMIMECertificateList(recipients)
        // With an AEAD cipher OpenSSL makes AuthEnvelopedData (RFC 5083) instead of EnvelopedData.
        let evp = switch cipher {
        case .aes256CBC: EVP_aes_256_cbc()
        case .aes256GCM: EVP_aes_256_gcm()
        }
        return try withMemoryBIO(content) { input in
            guard let cms = CMS_encrypt(list.stack, input, evp, UInt32(CMS_BINARY)) else {
                throw SMIMEError("encryption failed: \(SMIMEError.lastOpenSSLError())")
            }
            defer { CMS_ContentInfo_free(cms) }
            return try der(cms)
        }
    }

    static func der(_ cms: OpaquePointer) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_CMS_ContentInfo(cms, &out)
        guard length > 0, let out else { ERR_clear_error(); throw SMIMEError("cannot encode the CMS structure") }
        defer { CRYPTO_free(out, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}

/// The content encryption of what Hato encrypts (`smime.content_encryption`).
public enum SMIMEContentCipher: String, Sendable, CaseIterable {
    /// EnvelopedData with AES-256-CBC (RFC 8551 §2.7 SHOULD+): what every S/MIME client reads.
    case aes256CBC = "aes256-cbc"
    /// AuthEnvelopedData with AES-256-GCM (RFC 5083, RFC 5084; RFC 8551 §2.7 SHOULD+): the
    /// content is authenticated too; older clients cannot open it.
    case aes256GCM = "aes256-gcm"

    /// The smime-type parameter of the application/pkcs7-mime that carries it (RFC 8551 §3.2.2).
    public var smimeType: String { self == .aes256GCM ? "authEnveloped-data" : "enveloped-data" }
}
