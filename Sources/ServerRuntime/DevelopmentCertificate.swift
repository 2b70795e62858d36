import Crypto
import Foundation
import SwiftASN1
import X509

/// The self-signed certificate used when `tls.cert` is unset: made once on first start and kept
/// in `data_dir/tls/`, so clients can pin it across restarts. Never meant for production: the
/// server logs a warning while it is in use.
public enum DevelopmentCertificate {
    /// Creates `cert.pem` and `key.pem` if they do not exist. Returns true if it created them.
    @discardableResult
    public static func ensure(certificate: URL, key: URL, hostname: String) throws -> Bool {
        let fm = FileManager.default
        if fm.fileExists(atPath: certificate.path) && fm.fileExists(atPath: key.path) { return false }
        try fm.createDirectory(at: certificate.deletingLastPathComponent(), withIntermediateDirectories: true)
        let privateKey = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("Hato development")
            CommonName(hostname)
        }
        var names: [GeneralName] = [.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                                    .ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))]
        if hostname != "localhost" { names.insert(.dnsName(hostname), at: 0) }
        let now = Date()
        let certificateValue = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(privateKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(825 * 86400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(privateKey)
        )
        let keyPEM = privateKey.pemRepresentation
        guard fm.createFile(atPath: key.path, contents: Data(keyPEM.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: key.path])
        }
        try Data(try certificateValue.serializeAsPEM().pemString.utf8).write(to: certificate)
        return true
    }
}
