// S/MIME (RFC 8551, RFC 5652): the bytes of a signature part as OpenSSL's CMS parser and
// CMS_verify see them through Hato's wrapper (Sources/SMIME), the C boundary of issue 20, and
// the same bytes as certificates, as an EnvelopedData to decrypt, and as content to encrypt.

import SMIME

/// `smime-cms`: the input as a detached signature over itself and as an opaque signed-data
/// structure; as PEM/DER certificates; as an EnvelopedData opened with a fixed P-256 key; and,
/// for one input length in 16, (its first 4 KiB) as content encrypted to that key and decrypted
/// again (the round trip reads none of the input's structure, and its ECDH key generation was
/// half of every execution's time; a million round trips in a 10 million run). With an empty trust
/// store nothing may pass; decryption never yields more than came in; the round trip gives
/// the content back; nothing may trap or leak (the libFuzzer build runs with leak detection).
enum SMIMETarget {
    static let verifier = SMIMEVerifier(trust: try! SMIMETrustStore(sources: []),
                                        limits: SMIMELimits(maxSignatureSize: 65_536, maxCertificates: 8))

    /// A throwaway self-signed P-256 certificate and its key, made for this target only.
    static let identity = try! SMIMEIdentity(certificates: try! SMIMECertificate.read(Array("""
        -----BEGIN CERTIFICATE-----
        MIIBkzCCATmgAwIBAgIUVGNR2xKj01Bt2xSXW0qukcYlt2swCgYIKoZIzj0EAwIw
        DzENMAsGA1UEAwwEZnV6ejAgFw0yNjEyMDUyMTI3MDFaGA8yMTI2MTExMTIxMjcw
        MVowDzENMAsGA1UEAwwEZnV6ejBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABHJJ
        lEiA9e49F2XcoDPFwf+Y/v9OgUB8d+lAJdN2odqqZ3PAfsCuqBJEcmJn+yy+Ebzk
        44F5P6y7NkdtgdJTeT2jcTBvMB0GA1UdDgQWBBT8Wvl5+kxPi1M3JmEZD4MucVfB
        UDAfBgNVHSMEGDAWgBT8Wvl5+kxPi1M3JmEZD4MucVfBUDAPBgNVHRMBAf8EBTAD
        AQH/MBwGA1UdEQQVMBOBEWZ1enpAZXhhbXBsZS50ZXN0MAoGCCqGSM49BAMCA0gA
        MEUCICT2q2nxxmhE94ini8reSmdUlJ3zxSzK6f58R1BNRRDPAiEA2vrHHKynAYGd
        fcUR36Ck1zMdKzyU9XFpfJT0LInwjgo=
        -----END CERTIFICATE-----
        """.utf8)), key: Array("""
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgsXI/0JlCkFtrASTv
        suYdlAkgdwFVClTOcZVq4nCA9RihRANCAARySZRIgPXuPRdl3KAzxcH/mP7/ToFA
        fHfpQCXTdqHaqmdzwH7ArqgSRHJiZ/ssvhG85OOBeT+suzZHbYHSU3k9
        -----END PRIVATE KEY-----
        """.utf8))

    static func run(_ bytes: [UInt8]) {
        let detached = verifier.verifyDetached(signature: bytes, content: Array(bytes.prefix(64)))
        if case .pass = detached { preconditionFailure("a signature passed without trust anchors") }
        let (opaque, content) = verifier.verifyOpaque(bytes)
        if case .pass = opaque { preconditionFailure("an opaque signature passed without trust anchors") }
        precondition(content == nil, "content returned for a signature that did not pass")

        if let certificates = try? SMIMECertificate.read(bytes, limit: 8) {
            precondition(!certificates.isEmpty && certificates.count <= 8, "certificate count outside 1...8")
            for certificate in certificates { precondition(certificate.fingerprint.count == 64, "a SHA-256 fingerprint has 64 hex digits") }
        }
        if let opened = try? identity.decrypt(bytes, limit: 65_536) {
            precondition(opened.count <= bytes.count, "decryption gave more than came in")
        }
        guard bytes.count % 16 == 0 else { return }
        let plain = Array(bytes.prefix(4096))
        let sealed = try! SMIMEOperations.encrypt(plain, to: [identity.certificate])
        precondition(try! identity.decrypt(sealed, limit: 1 << 20) == plain, "encrypt then decrypt changed the content")
    }
}
