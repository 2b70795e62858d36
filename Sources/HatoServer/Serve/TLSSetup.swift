import Foundation
import NIOSSL
import ServerRuntime

/// Loads (or, without `tls.cert`, generates) the server certificate plus the `[[tls.certificates]]`
/// chosen by SNI, and builds the `TLSProvider` every listener shares: TLS 1.2 minimum,
/// swift-nio-ssl's default modern cipher suites.
public enum TLSSetup {
    public struct Material: Sendable {
        public let certificate: URL
        public let key: URL
        public let generated: Bool
        public let provider: TLSProvider
        public var context: NIOSSLContext { provider.context }
    }

    public static func prepare(_ config: HatoConfig) throws -> Material {
        var generated = false
        let certificate = config.tlsCertificate ?? config.generatedCertificate
        let key = config.tlsKey ?? config.generatedKey
        if config.tlsCertificate == nil {
            generated = try DevelopmentCertificate.ensure(certificate: certificate, key: key, hostname: config.hostname)
        }
        let certificates = try certificates(config)
        let provider = try TLSProvider(certificates: certificates)
        let served = config.tlsCertificate == nil && config.acme != nil ? URL(fileURLWithPath: certificates.defaultIdentity.certificatePath) : certificate
        return Material(certificate: served, key: key, generated: generated, provider: provider)
    }

    /// Reads every certificate file the configuration names (used at start and on SIGHUP). Once
    /// `[acme]` has a certificate, it serves its names by SNI, and is the default when `tls.cert`
    /// is unset (before, the self-signed one is).
    public static func certificates(_ config: HatoConfig) throws -> TLSCertificates {
        let acme = try config.acme.flatMap { try ACMECertificateFiles(dataDirectory: config.dataDirectory, settings: $0).identity() }
        let defaultIdentity = try config.tlsCertificate == nil && acme != nil ? acme! : TLSIdentity.load(
            certificate: config.tlsCertificate ?? config.generatedCertificate, key: config.tlsKey ?? config.generatedKey)
        var byHostname: [String: TLSIdentity] = [:]
        for entry in config.tlsSNICertificates {
            byHostname[entry.hostname] = try TLSIdentity.load(certificate: entry.certificate, key: entry.key)
        }
        if let acme, let names = config.acme?.hostnames {
            for name in names { byHostname[name] = acme }
        }
        return TLSCertificates(defaultIdentity: defaultIdentity, byHostname: byHostname)
    }
}
