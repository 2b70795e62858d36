// X.509 certificates for S/MIME (RFC 8550): read from PEM or DER, described by the addresses
// they carry (§3: subjectAltName rfc822Name, then the subject's emailAddress), their SHA-256
// fingerprint, validity and purposes. The DER is what the store keeps; the parsed OpenSSL
// object is kept beside it (decoding a certificate costs OpenSSL 3 about 3 million instructions,
// most of it setting up the public key's decoder) and lent out only inside `withX509`.

import CCMS
import Foundation

public struct SMIMECertificate: Sendable, Hashable {
    /// The certificate, DER (RFC 5280 §4.1).
    public let der: [UInt8]
    /// The same certificate parsed once (never changed after `init`; equality and hashing are
    /// the DER's, from which every other field follows).
    private let parsed: ParsedX509
    /// RFC 8550 §3 addresses, as written in the certificate.
    public let emails: [String]
    /// SHA-256 over the DER, upper-case hex.
    public let fingerprint: String
    public let serial: String
    /// Issuer, RFC 2253 form.
    public let issuer: String
    public let notBefore: Date
    public let notAfter: Date
    /// OpenSSL's smime_sign purpose: keyUsage digitalSignature/nonRepudiation and extKeyUsage
    /// emailProtection when present (RFC 8550 §4.4.2, §4.4.4).
    public let canSign: Bool
    /// keyUsage keyEncipherment (RSA key transport) or keyAgreement (EC, RFC 5753) when the
    /// extension is present, extKeyUsage emailProtection when present (RFC 8550 §4.4.2, §4.4.4).
    public let canEncrypt: Bool
    /// OCSP responders (RFC 5280 §4.2.2.1 authorityInfoAccess id-ad-ocsp), as written.
    public let ocspURLs: [String]
    /// CRL distribution point URIs (RFC 5280 §4.2.1.13; full names, whole CRLs only).
    public let crlURLs: [String]

    /// Whether `address` is one of the certificate's (RFC 8550 §3: compared without regard to case).
    public func isFor(_ address: String) -> Bool {
        emails.contains { $0.lowercased() == address.lowercased() }
    }

    public func isValid(at date: Date = Date()) -> Bool { date >= notBefore && date <= notAfter }

    /// Every certificate in `bytes`: PEM (any number of CERTIFICATE blocks) or one DER.
    public static func read(_ bytes: [UInt8], limit: Int = 64) throws -> [SMIMECertificate] {
        if bytes.starts(with: Array("-----".utf8)) || bytes.firstRange(of: Array("-----BEGIN".utf8)) != nil {
            var certificates: [SMIMECertificate] = []
            try withMemoryBIO(bytes) { bio in
                while certificates.count < limit, let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
                    defer { X509_free(x509) }
                    certificates.append(try SMIMECertificate(x509))
                }
            }
            ERR_clear_error()
            guard !certificates.isEmpty else { throw SMIMEError("no PEM certificate found") }
            return certificates
        }
        return [try SMIMECertificate(der: bytes)]
    }

    /// One DER certificate.
    public init(der: [UInt8]) throws {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let x509 = parsed else {
            ERR_clear_error()
            throw SMIMEError("not a DER or PEM X.509 certificate")
        }
        defer { X509_free(x509) }
        try self.init(x509)
    }

    public static func == (lhs: SMIMECertificate, rhs: SMIMECertificate) -> Bool { lhs.der == rhs.der }
    public func hash(into hasher: inout Hasher) { hasher.combine(der) }

    /// Describes an OpenSSL certificate (the caller keeps its reference; this value takes one of its own).
    init(_ x509: OpaquePointer) throws {
        // A key OpenSSL cannot decode (an unknown algorithm, a broken point) leaves no EVP_PKEY;
        // such a certificate is of no use for S/MIME, and the checks below need the key.
        guard X509_get0_pubkey(x509) != nil else {
            ERR_clear_error()
            throw SMIMEError("the certificate's public key cannot be read")
        }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(x509, &out)
        guard length > 0, let out else { throw SMIMEError("cannot encode the certificate") }
        der = Array(UnsafeBufferPointer(start: out, count: Int(length)))
        CRYPTO_free(out, #fileID, #line)
        let signer = SMIMEVerifier.describe(x509)
        emails = signer.emails
        serial = signer.serial
        issuer = signer.issuer
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var digestLength: UInt32 = 0
        guard X509_digest(x509, EVP_sha256(), &digest, &digestLength) == 1 else { throw SMIMEError("cannot hash the certificate") }
        fingerprint = digest.prefix(Int(digestLength)).map { String(format: "%02X", $0) }.joined()
        notBefore = Self.date(X509_get0_notBefore(x509)) ?? .distantFuture
        notAfter = Self.date(X509_get0_notAfter(x509)) ?? .distantPast
        canSign = X509_check_purpose(x509, X509_PURPOSE_SMIME_SIGN, 0) == 1
        canEncrypt = Self.allowsEncryption(x509)
        ocspURLs = Self.texts { ccms_ocsp_url(x509, $0, $1, $2) }
        crlURLs = Self.texts { ccms_crl_url(x509, $0, $1, $2) }
        ERR_clear_error()
        guard X509_up_ref(x509) == 1 else { throw SMIMEError("cannot keep the certificate") }
        parsed = ParsedX509(x509)
    }

    /// Runs `body` with the parsed certificate. `body` may read it (OpenSSL's X509 is safe to
    /// read from several threads: its cached extension data is computed under its own lock) and
    /// may take references of its own (X509_up_ref, as CMS_sign and X509_STORE_add_cert do),
    /// but must not change or free it.
    func withX509<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        try body(parsed.x509)
    }

    /// A reference to the certificate the caller owns (pushed onto a certificate list, which frees it).
    func newX509() throws -> OpaquePointer {
        guard X509_up_ref(parsed.x509) == 1 else { throw SMIMEError("cannot reference a stored certificate") }
        return parsed.x509
    }

    /// RFC 8550 §4.4.2/§4.4.4 for encryption. (OpenSSL's smime_encrypt purpose asks for
    /// keyEncipherment from EC keys too, which would refuse ordinary ECDH certificates.)
    static func allowsEncryption(_ x509: OpaquePointer) -> Bool {
        let keyEncipherment: UInt32 = 0x0020, keyAgreement: UInt32 = 0x0008     // KU_* (RFC 5280 §4.2.1.3)
        let smime: UInt32 = 0x0004, anyEKU: UInt32 = 0x0100                      // XKU_SMIME, XKU_ANYEKU
        let usage = X509_get_key_usage(x509), extended = X509_get_extended_key_usage(x509)
        guard let key = X509_get0_pubkey(x509) else { return false }
        let isEC = EVP_PKEY_get_base_id(key) == NID_X9_62_id_ecPublicKey
        let usageOK = usage == UInt32.max || usage & (isEC ? keyAgreement : keyEncipherment) != 0
        let extendedOK = extended == UInt32.max || extended & (smime | anyEKU) != 0
        return usageOK && extendedOK
    }

    /// The strings a `ccms_*(index, buffer, capacity)` helper gives, up to 8 of them.
    static func texts(_ read: (Int32, UnsafeMutablePointer<CChar>, Int32) -> Int32) -> [String] {
        var buffer = [CChar](repeating: 0, count: 1024)
        var found: [String] = []
        for index in 0..<8 {
            guard buffer.withUnsafeMutableBufferPointer({ read(Int32(index), $0.baseAddress!, Int32($0.count)) }) >= 0 else { break }
            found.append(SMIMEVerifier.text(buffer))
        }
        return found
    }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}

/// One reference to an OpenSSL certificate, released with the last value holding it.
final class ParsedX509: @unchecked Sendable {
    let x509: OpaquePointer

    init(_ x509: OpaquePointer) { self.x509 = x509 }

    deinit { X509_free(x509) }
}

/// A list of certificates as OpenSSL wants it (`STACK_OF(X509)`), freed with its contents.
final class SMIMECertificateList {
    let stack: OpaquePointer

    init(_ certificates: [SMIMECertificate]) throws {
        guard let stack = ccms_certs_new() else { throw SMIMEError("out of memory") }
        self.stack = stack
        for certificate in certificates {
            let x509 = try certificate.newX509()
            guard ccms_certs_push(stack, x509) == 1 else { X509_free(x509); throw SMIMEError("out of memory") }
        }
    }

    deinit { ccms_certs_free(stack) }
}

/// Runs `body` with a read-only memory BIO over `bytes` (valid only inside).
func withMemoryBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> T) throws -> T {
    // OpenSSL refuses a NULL buffer, which is what an empty array may give.
    let storage: [UInt8] = bytes.isEmpty ? [0] : bytes
    return try storage.withUnsafeBytes { buffer in
        guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(bytes.count)) else { throw SMIMEError("out of memory") }
        defer { BIO_free(bio) }
        return try body(bio)
    }
}

/// Everything written to a memory BIO.
func readAll(_ bio: OpaquePointer) -> [UInt8] { SMIMEVerifier.read(bio) }
