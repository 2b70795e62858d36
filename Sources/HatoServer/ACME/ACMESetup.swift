import ACME
import Foundation
import Logging
import NIOSSL
import ServerRuntime

/// Composes ACME for `hato serve`: the challenge store the listeners answer from (tls-alpn-01
/// through the TLS provider on every implicit-TLS listener, http-01 through the HTTP
/// listener's hook), and the service that keeps the certificate current.
enum ACMESetup {
    /// The http-01 answer for a token (`/.well-known/acme-challenge/{token}`) from the store,
    /// as the HTTP listener's hook takes it; nil (404) without a pending challenge.
    static func http01Responder(_ challenges: ACMEChallengeStore) -> @Sendable (String) -> String? {
        { challenges.keyAuthorization(forToken: $0) }
    }

    /// The service keeping the certificate current, with tls-alpn-01 answered by `provider`
    /// when that is the challenge; nil without `[acme]`.
    static func make(_ config: HatoConfig, challenges: ACMEChallengeStore, provider: TLSProvider,
                     listenersReady: @escaping @Sendable () async -> Void, logger: Logger) -> CertificateLifecycleService? {
        guard let settings = config.acme else { return nil }
        if settings.challenge == .tlsALPN01 {
            provider.answerTLSALPNChallenges(from: ACMETLSALPNSource(challenges: challenges))
        }
        let reloader = TLSReloadService(provider: provider, config: config, logger: logger)
        return CertificateLifecycleService(
            settings: settings, files: ACMECertificateFiles(dataDirectory: config.dataDirectory, settings: settings),
            challenges: challenges, listenersReady: listenersReady, reload: { reloader.reload() }, logger: logger)
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
            // The CA fetches http://NAME/.well-known/acme-challenge/TOKEN on port 80 (RFC 8555 §8.3).
            guard let http = HatoConfig.ListenerKind(rawValue: "http") else {
                return logger.error("acme.challenge is http-01 but this build has no HTTP listener to answer it; use tls-alpn-01")
            }
            if config.listeners[http] == nil {
                logger.error("acme.challenge is http-01 but no HTTP listener ([listen] http) is configured to answer it")
            }
        }
    }
}
