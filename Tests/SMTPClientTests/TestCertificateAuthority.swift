import Crypto
import Foundation
import HatoTesting
import NIOSSL
import SwiftASN1
import X509

/// A throw-away CA and a server certificate it signed for "localhost", written as
/// PEM files (for aiosmtpd) and usable as NIOSSL values (for Hato's listener and the client).
struct TestCertificateAuthority {
    let directory: TemporaryDirectory
    let caPEM: String
    let serverCertificatePath: String
    let serverKeyPath: String

    init(serverName: String = "localhost") throws {
        directory = try TemporaryDirectory(prefix: "hato-client-ca")
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("Hato test CA") }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86400),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(caKey))
        let serverKey = P256.Signing.PrivateKey()
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(serverKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86400),
            issuer: caName, subject: try DistinguishedName { CommonName(serverName) }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                // No IP SAN: NIOSSL accepts a certificate for the peer's IP whatever name was asked for.
                SubjectAlternativeNames([.dnsName(serverName)])
            },
            issuerPrivateKey: .init(caKey))
        caPEM = try ca.serializeAsPEM().pemString
        serverCertificatePath = directory.url.appendingPathComponent("server.pem").path
        serverKeyPath = directory.url.appendingPathComponent("server.key").path
        try Data(try server.serializeAsPEM().pemString.utf8).write(to: URL(fileURLWithPath: serverCertificatePath))
        try Data(serverKey.pemRepresentation.utf8).write(to: URL(fileURLWithPath: serverKeyPath))
    }

    /// The client side: trust only this CA.
    func clientTLS() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(caPEM.utf8), format: .pem)])
        return tls
    }

    /// The server side, for Hato's listener.
    func serverContext() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(serverCertificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: serverKeyPath, format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: tls)
    }
}
