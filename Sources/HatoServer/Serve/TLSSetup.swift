import Foundation
import NIOSSL
import ServerRuntime

/// Loads (or, without `tls.cert`, generates) the server certificate and builds the TLS context
/// every listener shares: TLS 1.2 minimum, swift-nio-ssl's default modern cipher suites.
public enum TLSSetup {
    public struct Material: Sendable {
        public let certificate: URL
        public let key: URL
        public let generated: Bool
        public let context: NIOSSLContext
    }

    public static func prepare(_ config: HatoConfig) throws -> Material {
        var generated = false
        let certificate = config.tlsCertificate ?? config.generatedCertificate
        let key = config.tlsKey ?? config.generatedKey
        if config.tlsCertificate == nil {
            generated = try DevelopmentCertificate.ensure(certificate: certificate, key: key, hostname: config.hostname)
        }
        let chain = try NIOSSLCertificate.fromPEMFile(certificate.path).map { NIOSSLCertificateSource.certificate($0) }
        guard !chain.isEmpty else { throw TLSSetupError.emptyChain(certificate.path) }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key.path, format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        return Material(certificate: certificate, key: key, generated: generated, context: try NIOSSLContext(configuration: tls))
    }
}

public enum TLSSetupError: Error, CustomStringConvertible {
    case emptyChain(String)
    public var description: String {
        switch self {
        case .emptyChain(let path): "no certificate found in \(path)"
        }
    }
}
