import ACME
import Foundation
import Logging
import NIOSSL
import ServerRuntime

/// Composes ACME for `hato serve`: the challenge store the listeners answer from (tls-alpn-01
/// through the TLS provider on every implicit-TLS listener, http-01 through the HTTP
/// listener's hook), and the service that keeps the certificate current.
enum ACMESetup {
    struct Parts {
        let challenges: ACMEChallengeStore
        let service: CertificateLifecycleService
        /// The http-01 answer for a token (`/.well-known/acme-challenge/{token}`), for the HTTP listener.
        let http01: @Sendable (String) -> String?
    }

    static func make(_ config: HatoConfig, provider: TLSProvider, listenersReady: @escaping @Sendable () async -> Void,
                     logger: Logger) -> Parts? {
        guard let settings = config.acme else { return nil }
        let challenges = ACMEChallengeStore()
        if settings.challenge == .tlsALPN01 {
            provider.answerTLSALPNChallenges(from: ACMETLSALPNSource(challenges: challenges))
        }
        let reloader = TLSReloadService(provider: provider, config: config, logger: logger)
        let service = CertificateLifecycleService(
            settings: settings, files: ACMECertificateFiles(dataDirectory: config.dataDirectory, settings: settings),
            challenges: challenges, listenersReady: listenersReady, reload: { reloader.reload() }, logger: logger)
        return Parts(challenges: challenges, service: service, http01: { challenges.keyAuthorization(forToken: $0) })
    }
}

/// The tls-alpn-01 certificates of the challenge store as the TLS provider takes them.
struct ACMETLSALPNSource: TLSALPNChallengeSource {
    let challenges: ACMEChallengeStore

    func challengeIdentity(forServerName name: String) -> TLSIdentity? {
        guard let challenge = challenges.tlsALPNCertificate(forName: name),
              let certificate = try? NIOSSLCertificate(bytes: challenge.certificateDER, format: .der),
              let key = try? NIOSSLPrivateKey(bytes: challenge.privateKeyDER, format: .der)
        else { return nil }
        return TLSIdentity(chain: [certificate], key: key, certificatePath: "tls-alpn-01 challenge for \(name)")
    }
}

extension ACMESetup {
    /// Says at start when no listener can answer the configured challenge: the CA validates
    /// tls-alpn-01 on port 443 (RFC 8737 §3) and http-01 on port 80 (RFC 8555 §8.3).
    static func checkListeners(_ config: HatoConfig, logger: Logger) {
        guard let settings = config.acme else { return }
        switch settings.challenge {
        case .tlsALPN01:
            let tlsPorts = config.listeners.filter { $0.key.implicitTLS }.flatMap { $0.value.map(\.port) }
            if tlsPorts.isEmpty {
                logger.error("acme.challenge is tls-alpn-01 but no implicit-TLS listener is configured to answer it")
            } else if !tlsPorts.contains(443) {
                logger.warning("tls-alpn-01 is validated on port 443, where no implicit-TLS listener of this configuration listens; validation works only if 443 is forwarded to one",
                               metadata: ["tls_ports": "\(tlsPorts.map(String.init).joined(separator: ","))"])
            }
        case .http01:
            logger.warning("http-01 is answered by the HTTP listener ([listen] http) reached on port 80")
        }
    }
}
