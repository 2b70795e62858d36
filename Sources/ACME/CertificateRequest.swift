import Crypto
import Foundation
import SwiftASN1
import X509

/// The certificate key and the PKCS#10 request sent at finalize (RFC 8555 §7.4, RFC 2986).
public enum CertificateRequest {
    /// A CSR for `names` signed by `key` (ECDSA P-256, SHA-256): the names in a subjectAltName
    /// extension request, the first as CN when it fits (RFC 5280 ub-common-name 64).
    public static func make(names: [String], key: P256.Signing.PrivateKey) throws -> [UInt8] {
        let subject: DistinguishedName
        if let first = names.first, first.utf8.count <= 64 {
            subject = try DistinguishedName { CommonName(first) }
        } else {
            subject = DistinguishedName()
        }
        let extensions = try Certificate.Extensions { SubjectAlternativeNames(names.map { .dnsName($0) }) }
        let request = try CertificateSigningRequest(
            version: .v1, subject: subject, privateKey: .init(key),
            attributes: CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))]),
            signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }
}
