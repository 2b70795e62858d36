// What a CA says about a certificate it issued: an OCSP response (RFC 6960) or a CRL
// (RFC 5280 §5), both untrusted bytes from the network, checked by OpenSSL through the
// `ccms_ocsp_status`/`ccms_crl_status` helpers (Sources/CCMS/revocation.h). No I/O here:
// `SMIMERevocationChecker` fetches, this judges.

import CCMS
import Foundation

/// One certificate's status from one source.
public enum SMIMERevocationStatus: Sendable, Equatable {
    /// Not revoked, as of a response usable until `until` (nextUpdate; nil: not to be cached).
    case good(until: Date?)
    /// Revoked, with the RFC 5280 §5.3.1 CRLReason when one was given.
    case revoked(reason: String?)
    /// The source gave no usable answer: the responder said "unknown", the response was not
    /// successful, badly signed, stale, for another certificate ...
    case unknown(String)
}

public enum SMIMERevocationEvidence {
    /// Clock skew allowed on thisUpdate/nextUpdate (RFC 6960 §4.2.2.1 leaves it to the client).
    public static let leeway = 300

    /// RFC 5280 §5.3.1 CRLReason names, by code.
    static let reasons = [0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged", 4: "superseded",
                          5: "cessationOfOperation", 6: "certificateHold", 8: "removeFromCRL", 9: "privilegeWithdrawn", 10: "aACompromise"]

    /// A DER OCSPRequest for `certificate` issued by `issuer` (RFC 6960 §4.1.1, with a nonce).
    public static func ocspRequest(for certificate: SMIMECertificate, issuer: SMIMECertificate) throws -> [UInt8] {
        try certificate.withX509 { cert in
            try issuer.withX509 { issuerX509 in
                var out: UnsafeMutablePointer<UInt8>?
                let length = ccms_ocsp_request(cert, issuerX509, &out)
                guard length > 0, let out else { throw SMIMEError("cannot make an OCSP request") }
                defer { CRYPTO_free(out, #fileID, #line) }
                return Array(UnsafeBufferPointer(start: out, count: Int(length)))
            }
        }
    }

    /// The status an OCSP response gives `certificate` (RFC 6960 §3.2, §4.2.2.2): `request` is
    /// the request sent (its nonce must come back or be absent), `chain` the certificates the
    /// responder's own chain may use, `trust` the anchors it must reach.
    public static func ocspStatus(response: [UInt8], request: [UInt8], certificate: SMIMECertificate, issuer: SMIMECertificate,
                                  chain: [SMIMECertificate], trust: SMIMETrustStore) -> SMIMERevocationStatus {
        guard !response.isEmpty else { return .unknown("empty OCSP response") }
        do {
            let untrusted = try SMIMECertificateList(chain)
            return try certificate.withX509 { cert in
                try issuer.withX509 { issuerX509 in
                    var reason: Int32 = -1
                    var validFor = 0
                    let code = response.withUnsafeBufferPointer { answer in
                        request.withUnsafeBufferPointer { asked in
                            ccms_ocsp_status(answer.baseAddress, answer.count, asked.baseAddress, asked.count, cert, issuerX509,
                                             untrusted.stack, trust.store, Self.leeway, &reason, &validFor)
                        }
                    }
                    return status(code, reason: reason, validFor: validFor, source: "OCSP response")
                }
            }
        } catch {
            return .unknown("\(error)")
        }
    }

    /// The status a DER CRL gives `certificate` (RFC 5280 §6.3.3).
    public static func crlStatus(_ crl: [UInt8], certificate: SMIMECertificate, issuer: SMIMECertificate) -> SMIMERevocationStatus {
        guard !crl.isEmpty else { return .unknown("empty CRL") }
        do {
            return try certificate.withX509 { cert in
                try issuer.withX509 { issuerX509 in
                    var reason: Int32 = -1
                    var validFor = 0
                    let code = crl.withUnsafeBufferPointer {
                        ccms_crl_status($0.baseAddress, $0.count, cert, issuerX509, Self.leeway, &reason, &validFor)
                    }
                    return status(code, reason: reason, validFor: validFor, source: "CRL")
                }
            }
        } catch {
            return .unknown("\(error)")
        }
    }

    static func status(_ code: Int32, reason: Int32, validFor: Int, source: String) -> SMIMERevocationStatus {
        switch code {
        case CCMS_REV_GOOD: return .good(until: validFor > 0 ? Date().addingTimeInterval(TimeInterval(validFor)) : nil)
        case CCMS_REV_REVOKED: return .revoked(reason: reason >= 0 ? reasons[Int(reason)] ?? "reason \(reason)" : nil)
        case CCMS_REV_UNKNOWN: return .unknown("the OCSP responder does not know the certificate")
        case CCMS_REV_NOT_SUCCESSFUL: return .unknown("\(source) not successful")
        case CCMS_REV_BAD_SIGNATURE: return .unknown(source == "CRL" ? "CRL not signed by the issuer" : "\(source) not signed by the issuer or its responder")
        case CCMS_REV_NO_STATUS: return .unknown("\(source) has no status for the certificate")
        case CCMS_REV_STALE: return .unknown("\(source) is stale: its nextUpdate has passed")
        case CCMS_REV_NOT_YET_VALID: return .unknown("\(source) is not valid yet")
        case CCMS_REV_NONCE: return .unknown("\(source) nonce does not match the request")
        case CCMS_REV_WRONG_ISSUER: return .unknown("\(source) is from another issuer")
        case CCMS_REV_UNSUPPORTED: return .unknown("\(source) of a kind not used: partitioned, delta or without nextUpdate")
        default: return .unknown("malformed \(source)")
        }
    }
}
