// S/MIME signature verification (RFC 8551 §3.5 multipart/signed, §3.4.2 signed-data) with
// OpenSSL's CMS_verify: the signature over the exact bytes, the signer's chain to the trust
// store at the time of reception, the certificate's purpose (RFC 8550 §4.4.2 keyUsage
// digitalSignature/nonRepudiation, §4.4.4 extKeyUsage emailProtection: OpenSSL's
// "smime_sign" purpose, which CMS_verify applies), and the signingTime attribute within the
// certificate's validity. Matching the address to From is the caller's (RFC 8550 §3).

import CCMS

/// Bounds on what a verification parses (`[smime]` keys).
public struct SMIMELimits: Sendable {
    /// The largest CMS structure (DER bytes) parsed; an opaque one holds the whole content.
    public var maxSignatureSize: Int
    /// The most certificates a SignedData may carry.
    public var maxCertificates: Int
    public init(maxSignatureSize: Int = 1 << 20, maxCertificates: Int = 16) {
        self.maxSignatureSize = maxSignatureSize
        self.maxCertificates = maxCertificates
    }
}

/// The signer certificate of a verified signature.
public struct SMIMESigner: Sendable, Equatable {
    /// RFC 8550 §3: subjectAltName rfc822Name values, then subject emailAddress.
    public var emails: [String]
    /// RFC 5280 §4.1.2.2 serialNumber, upper-case hex.
    public var serial: String
    /// RFC 5280 §4.1.2.4 issuer, RFC 2253 form.
    public var issuer: String
    /// The certificate itself, when the signature verified (what harvesting keeps).
    public var certificate: SMIMECertificate?
    /// The path the signature was accepted on: the signer's certificate first, the trust anchor
    /// last (RFC 5280 §6.1), for revocation checking.
    public var chain: [SMIMECertificate]

    public init(emails: [String], serial: String, issuer: String, certificate: SMIMECertificate? = nil, chain: [SMIMECertificate] = []) {
        self.emails = emails
        self.serial = serial
        self.issuer = issuer
        self.certificate = certificate
        self.chain = chain
    }
}

public enum SMIMEOutcome: Sendable, Equatable {
    case pass(SMIMESigner)
    /// The signature was processed and did not verify (bad digest, untrusted chain, expired ...).
    case fail(String)
    /// The signature could not be processed (not CMS, not SignedData, over a limit).
    case neutral(String)
}

public struct SMIMEVerifier: Sendable {
    public let trust: SMIMETrustStore
    public let limits: SMIMELimits

    public init(trust: SMIMETrustStore, limits: SMIMELimits = SMIMELimits()) {
        self.trust = trust
        self.limits = limits
    }

    /// multipart/signed: `signature` is the decoded application/pkcs7-signature body (DER),
    /// `content` the first body part exactly as received (its MIME header, CRLF line endings).
    public func verifyDetached(signature: [UInt8], content: [UInt8]) -> SMIMEOutcome {
        verify(der: signature, content: content).outcome
    }

    /// application/pkcs7-mime; smime-type=signed-data: the decoded body (DER). Also returns the
    /// signed MIME entity when the signature verified.
    public func verifyOpaque(_ der: [UInt8]) -> (outcome: SMIMEOutcome, content: [UInt8]?) {
        verify(der: der, content: nil)
    }

    private func verify(der: [UInt8], content: [UInt8]?) -> (outcome: SMIMEOutcome, content: [UInt8]?) {
        guard !der.isEmpty else { return (.neutral("empty signature"), nil) }
        guard der.count <= limits.maxSignatureSize else {
            return (.neutral("signature larger than \(limits.maxSignatureSize) bytes"), nil)
        }
        ERR_clear_error()
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_CMS_ContentInfo(nil, &cursor, buffer.count)
        }
        guard let cms = parsed else { return (.neutral("not a CMS structure"), clearingErrors()) }
        defer { CMS_ContentInfo_free(cms) }
        guard OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed else { return (.neutral("not CMS SignedData"), nil) }
        let certificates = ccms_certificate_count(cms)
        guard certificates <= limits.maxCertificates else {
            return (.neutral("\(certificates) certificates, more than \(limits.maxCertificates)"), nil)
        }
        guard ccms_signer_count(cms) >= 1 else { return (.neutral("no signer"), nil) }
        guard let output = BIO_new(BIO_s_mem()) else { return (.neutral("out of memory"), nil) }
        defer { BIO_free(output) }
        // The detached content is copied into a memory BIO, which owns its bytes.
        var detached: OpaquePointer?
        if let content {
            detached = BIO_new(BIO_s_mem())
            guard let detached else { return (.neutral("out of memory"), nil) }
            let written = content.withUnsafeBytes { BIO_write(detached, $0.baseAddress, Int32($0.count)) }
            guard content.isEmpty || written == Int32(content.count) else { BIO_free(detached); return (.neutral("out of memory"), nil) }
        }
        defer { if let detached { BIO_free(detached) } }
        // CMS_BINARY: the bytes are already canonical (RFC 8551 §3.1.1); no translation.
        let verified = CMS_verify(cms, nil, trust.store, detached, output, UInt32(CMS_BINARY))
        guard verified == 1 else { return (.fail(lastError()), nil) }
        guard let signer = ccms_first_signer(cms) else { return (.neutral("no signer certificate"), nil) }
        defer { X509_free(signer) }
        guard ccms_signing_time_within(cms, signer) == 1 else {
            return (.fail("signing time outside the certificate's validity"), nil)
        }
        var described = Self.describe(signer)
        described.certificate = try? SMIMECertificate(signer)
        if let chain = ccms_verified_chain(cms, trust.store) {
            defer { ccms_certs_free(chain) }
            described.chain = (0..<ccms_certs_count(chain)).compactMap { try? SMIMECertificate(ccms_certs_get0(chain, $0)) }
        }
        return (.pass(described), content == nil ? Self.read(output) : nil)
    }

    private func clearingErrors() -> [UInt8]? {
        ERR_clear_error()
        return nil
    }

    private func lastError() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        ccms_last_error(&buffer, Int32(buffer.count))
        return Self.text(buffer)
    }

    static func describe(_ certificate: OpaquePointer) -> SMIMESigner {
        var buffer = [CChar](repeating: 0, count: 1024)
        var emails: [String] = []
        for index in 0..<16 where ccms_email(certificate, Int32(index), &buffer, Int32(buffer.count)) >= 0 {
            emails.append(Self.text(buffer))
        }
        let serial = ccms_serial_hex(certificate, &buffer, Int32(buffer.count)) >= 0 ? Self.text(buffer) : ""
        let issuer = ccms_issuer(certificate, &buffer, Int32(buffer.count)) >= 0 ? Self.text(buffer) : ""
        return SMIMESigner(emails: emails, serial: serial, issuer: issuer)
    }

    /// The NUL-terminated text OpenSSL wrote into `buffer`.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func read(_ bio: OpaquePointer) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
            if count <= 0 { return bytes }
            bytes += chunk[0..<Int(count)]
        }
    }
}
