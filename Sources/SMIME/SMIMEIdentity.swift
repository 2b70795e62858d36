// An account's S/MIME identity: its certificate, the certificates up to (not including) the
// root, and its private key. Read from PEM/DER files or PKCS#12 (RFC 7292); the key leaves
// only as unencrypted PKCS#8 DER (RFC 5958) for the caller to seal before storing. Key bytes
// are never put into an error text.

import CCMS
import Foundation

public final class SMIMEIdentity: @unchecked Sendable {
    public let certificate: SMIMECertificate
    /// Intermediate CA certificates sent along with every signature (RFC 8551 §2.4.1 lets a
    /// signer include the chain so the reader can build the path).
    public let chain: [SMIMECertificate]
    /// The EVP_PKEY; OpenSSL only reads it when signing or decrypting, so one value serves
    /// concurrent users.
    let key: OpaquePointer

    /// Takes ownership of `key`: kept on success, freed when this throws.
    init(certificate: SMIMECertificate, chain: [SMIMECertificate], key: OpaquePointer) throws {
        let matches = (try? certificate.withX509 { X509_check_private_key($0, key) == 1 }) ?? false
        ERR_clear_error()
        guard matches else {
            EVP_PKEY_free(key)
            throw SMIMEError("the private key does not belong to certificate \(certificate.fingerprint)")
        }
        self.certificate = certificate
        self.chain = chain
        self.key = key
    }

    deinit { EVP_PKEY_free(key) }

    /// A certificate with its key: PEM (optionally encrypted with `password`) or DER/PKCS#8.
    /// `certificates` holds the account's certificate first, then its chain.
    public convenience init(certificates: [SMIMECertificate], key bytes: [UInt8], password: String? = nil) throws {
        guard let first = certificates.first else { throw SMIMEError("no certificate") }
        try self.init(certificate: first, chain: Array(certificates.dropFirst()), key: try Self.readKey(bytes, password: password))
    }

    /// A PKCS#12 file (RFC 7292) with its password: the key, its certificate and the chain.
    public convenience init(pkcs12 bytes: [UInt8], password: String) throws {
        let parsed: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PKCS12(nil, &cursor, buffer.count)
        }
        guard let p12 = parsed else { ERR_clear_error(); throw SMIMEError("not a PKCS#12 file") }
        defer { PKCS12_free(p12) }
        var key: OpaquePointer?, x509: OpaquePointer?, ca: OpaquePointer?
        guard PKCS12_parse(p12, password, &key, &x509, &ca) == 1, let key, let x509 else {
            let reason = SMIMEError.lastOpenSSLError()
            if let key { EVP_PKEY_free(key) }
            if let x509 { X509_free(x509) }
            ccms_certs_free(ca)
            throw SMIMEError("cannot open the PKCS#12 file (wrong password?): \(reason)")
        }
        defer { X509_free(x509); ccms_certs_free(ca) }
        let certificate: SMIMECertificate, chain: [SMIMECertificate]
        do {
            certificate = try SMIMECertificate(x509)
            chain = try (0..<ccms_certs_count(ca)).map { try SMIMECertificate(ccms_certs_get0(ca, $0)) }
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        try self.init(certificate: certificate, chain: chain, key: key)
    }

    /// The key as stored: unencrypted PKCS#8 DER (seal it before it touches a disk).
    public func privateKeyDER() throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw SMIMEError("out of memory") }
        defer { BIO_free(bio) }
        guard i2d_PKCS8PrivateKey_bio(bio, key, nil, nil, 0, nil, nil) == 1 else {
            ERR_clear_error()
            throw SMIMEError("cannot encode the private key")
        }
        return readAll(bio)
    }

    /// A stored identity: DER certificates and the PKCS#8 DER key `privateKeyDER` gave.
    public convenience init(certificate: SMIMECertificate, chain: [SMIMECertificate], privateKeyDER: [UInt8]) throws {
        try self.init(certificate: certificate, chain: chain, key: try Self.readKey(privateKeyDER, password: nil))
    }

    static func readKey(_ bytes: [UInt8], password: String?) throws -> OpaquePointer {
        ERR_clear_error()
        var key: OpaquePointer?
        if bytes.firstRange(of: Array("-----BEGIN".utf8)) != nil {
            key = try withMemoryBIO(bytes) { bio in
                // A NULL callback with a password makes OpenSSL use it as the passphrase.
                if let password {
                    return password.withCString { PEM_read_bio_PrivateKey(bio, nil, nil, UnsafeMutableRawPointer(mutating: UnsafeRawPointer($0))) }
                }
                return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil)
            }
        } else {
            key = bytes.withUnsafeBufferPointer { buffer in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
            }
        }
        guard let key else {
            ERR_clear_error()
            throw SMIMEError(password == nil ? "not a private key (PEM, DER or PKCS#8), or one encrypted with a password (give --password-file)"
                                             : "cannot read the private key (wrong password?)")
        }
        ERR_clear_error()
        return key
    }
}

extension SMIMEError {
    /// The reason OpenSSL gave last; the error queue is left empty.
    static func lastOpenSSLError() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        ccms_last_error(&buffer, Int32(buffer.count))
        return SMIMEVerifier.text(buffer)
    }
}
