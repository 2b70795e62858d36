// S/MIME revocation data (RFC 6960 OCSP responses, RFC 5280 §5 CRLs): the bytes an OCSP
// responder or a CRL distribution point sends back, judged by Hato's wrapper over OpenSSL
// (Sources/SMIME/SMIMERevocationEvidence.swift, Sources/CCMS/revocation.h), and the
// authorityInfoAccess/cRLDistributionPoints URIs read from a certificate.

import SMIME

/// `smime-revocation`: the input as an OCSP response to a request for the smime-cms target's
/// certificate, as a CRL of that certificate's issuer (itself), and as certificates whose
/// revocation URIs are read. With an empty trust store no OCSP response can be trusted, and no
/// CRL can carry the fixed key's signature, so every status is "unknown"; at most 8 URIs of
/// each kind, none empty; nothing may trap or leak.
enum SMIMERevocationTarget {
    static let trust = try! SMIMETrustStore(sources: [])
    static let certificate = SMIMETarget.identity.certificate
    static let request = try! SMIMERevocationEvidence.ocspRequest(for: certificate, issuer: certificate)

    static func run(_ bytes: [UInt8]) {
        let ocsp = SMIMERevocationEvidence.ocspStatus(response: bytes, request: request, certificate: certificate, issuer: certificate,
                                                      chain: [certificate], trust: trust)
        guard case .unknown = ocsp else { preconditionFailure("an OCSP response was trusted without trust anchors: \(ocsp)") }
        let crl = SMIMERevocationEvidence.crlStatus(bytes, certificate: certificate, issuer: certificate)
        guard case .unknown = crl else { preconditionFailure("a CRL verified under a key nobody else holds: \(crl)") }
        if let certificates = try? SMIMECertificate.read(bytes, limit: 8) {
            for read in certificates {
                precondition(read.ocspURLs.count <= 8 && read.crlURLs.count <= 8, "more than 8 URIs")
                precondition(!read.ocspURLs.contains("") && !read.crlURLs.contains(""), "an empty URI")
            }
        }
    }
}
