import NIOCore
import NIOSSL
import Synchronization

/// The server TLS context every listener shares. Held behind a lock so a reload (SIGHUP, new
/// certificate files) takes effect for new handshakes while live sessions keep the context they
/// started with.
///
/// Built from `TLSCertificates`, it also selects a certificate by SNI and captures each TLS 1.3
/// connection's `tls-exporter` value for SCRAM -PLUS (`TLSConnectionState`). Built from a bare
/// `NIOSSLContext`, it does neither.
public final class TLSProvider: Sendable {
    private let current: Mutex<NIOSSLContext>
    private let capture: TLSExporterCapture
    private let handshakeDeadline = Mutex<Duration>(.seconds(30))
    private let alpnChallenges = Mutex<(any TLSALPNChallengeSource)?>(nil)

    /// How long a TLS handshake may take, on implicit-TLS listeners and after STARTTLS/STLS,
    /// before the connection is closed (`limits.tls_handshake_timeout`; 30 s unless set).
    public var handshakeTimeout: Duration {
        get { handshakeDeadline.withLock { $0 } }
        set { handshakeDeadline.withLock { $0 = newValue } }
    }

    public init(context: NIOSSLContext) {
        current = Mutex(context)
        capture = TLSExporterCapture()
    }

    public init(certificates: TLSCertificates) throws {
        let capture = TLSExporterCapture()
        current = Mutex(try Self.makeContext(certificates, capture: capture))
        self.capture = capture
    }

    public var context: NIOSSLContext { current.withLock { $0 } }

    /// Answer ACME tls-alpn-01 validations (RFC 8737) on implicit-TLS listeners from `source`;
    /// nil stops. While set, each implicit-TLS connection's ClientHello is read before the TLS
    /// handler is chosen (`TLSALPNChallengeRouter`).
    public func answerTLSALPNChallenges(from source: (any TLSALPNChallengeSource)?) {
        alpnChallenges.withLock { $0 = source }
    }

    public func replace(with context: NIOSSLContext) { current.withLock { $0 = context } }

    /// Builds a context from new certificates and swaps it in. On any error (unreadable file, key
    /// that does not fit) it throws and the old context stays in use.
    public func reload(_ certificates: TLSCertificates) throws {
        let context = try Self.makeContext(certificates, capture: capture)
        replace(with: context)
    }

    /// TLS 1.2 minimum (RFC 8996 deprecates 1.0 and 1.1), forward-secret cipher suites only, the
    /// default certificate, and an SNI callback when there are others.
    static func makeContext(_ certificates: TLSCertificates, capture: TLSExporterCapture) throws -> NIOSSLContext {
        var configuration = baseConfiguration(certificates.defaultIdentity)
        configuration.keyLogCallback = { [capture] line in capture.keyLog(line) }
        if !certificates.byHostname.isEmpty {
            // Each identity is checked on its own now, so a bad one fails the load rather than
            // the handshakes that would pick it.
            var checked = Set<String>()
            for identity in certificates.byHostname.values where checked.insert(identity.certificatePath).inserted {
                try check(identity)
            }
            configuration.sslContextCallback = { values, promise in
                guard let identity = certificates.identity(forServerName: values.serverHostname) else {
                    return promise.succeed(.noChanges)
                }
                var override = NIOSSLContextConfigurationOverride()
                override.certificateChain = identity.chain.map { .certificate($0) }
                override.privateKey = .privateKey(identity.key)
                promise.succeed(override)
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSCertificateError.keyMismatch(certificates.defaultIdentity.certificatePath, "\(error)")
        }
    }

    static func baseConfiguration(_ identity: TLSIdentity) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: identity.chain.map { .certificate($0) }, privateKey: .privateKey(identity.key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuites = tls12CipherSuites
        return configuration
    }

    /// TLS 1.2 suites (TLS 1.3's are fixed by BoringSSL and all forward-secret): swift-nio-ssl's
    /// default order without the static-RSA key exchange, so a recorded session cannot be
    /// decrypted later with the server key (RFC 9325 §4.1). ECDHE with CBC stays for TLS 1.2
    /// peers without AEAD suites: on port 25 a refused handshake means the mail goes in clear.
    static let tls12CipherSuites = "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES256:ECDHE+AES128:!aNULL:!eNULL:!aPSK:!MD5"

    static func check(_ identity: TLSIdentity) throws {
        do {
            _ = try NIOSSLContext(configuration: baseConfiguration(identity))
        } catch {
            throw TLSCertificateError.keyMismatch(identity.certificatePath, "\(error)")
        }
    }

    /// A handler that performs the server side of the TLS handshake on its channel.
    public func makeServerHandler() -> NIOSSLServerHandler { NIOSSLServerHandler(context: context) }

    /// Adds the server TLS handler to the end of the pipeline (implicit TLS, before the protocol's
    /// handlers), between the observer that lets `state` learn the channel binding value and
    /// cipher suite and the recorder that notes the version when the handshake completes.
    /// The handshake must complete within `handshakeTimeout`. Runs on the channel's event loop.
    public func addServerHandlers(to channel: any Channel, state: TLSConnectionState) throws {
        let operations = channel.pipeline.syncOperations
        try operations.addHandler(TLSHandshakeObserver(capture: capture, state: state))
        if let source = alpnChallenges.withLock({ $0 }) {
            let hold = TLSOutputHold()
            try operations.addHandler(TLSALPNChallengeRouter(provider: self, source: source, output: hold, logger: state.logger))
            try operations.addHandler(hold)
        } else {
            try operations.addHandler(makeServerHandler())
        }
        try operations.addHandler(TLSHandshakeRecorder(state: state))
        try operations.addHandler(TLSHandshakeDeadline(timeout: handshakeTimeout, logger: state.logger))
    }

    /// Starts TLS on a connection that has spoken plaintext so far (STARTTLS, STLS). The caller
    /// must already have discarded any bytes it buffered before this point (RFC 3207 §4.2 and the
    /// CVE-2011-0411 class of injection); the TLS handler goes first in the pipeline.
    /// The connection's version, cipher and channel binding value are recorded in `state`; the
    /// handshake must complete within `handshakeTimeout`.
    public func startTLS(on channel: any Channel, state: TLSConnectionState) -> EventLoopFuture<Void> {
        let timeout = handshakeTimeout
        return channel.eventLoop.makeCompletedFuture {
            let operations = channel.pipeline.syncOperations
            try operations.addHandler(TLSHandshakeDeadline(timeout: timeout, logger: state.logger), position: .first)
            try operations.addHandler(TLSHandshakeRecorder(state: state), position: .first)
            try operations.addHandler(makeServerHandler(), position: .first)
            try operations.addHandler(TLSHandshakeObserver(capture: capture, state: state), position: .first)
        }
    }

    /// Connections whose handshake is under way (for tests: nothing may leak).
    var pendingChannelBindings: Int { capture.pendingCount }
}
