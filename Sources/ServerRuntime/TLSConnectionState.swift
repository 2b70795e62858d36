import Logging
import NIOSSL
import Synchronization

/// What the TLS layer learned about one connection that sessions need later: the negotiated
/// version and cipher suite (Received headers, logs) and the RFC 9266 `tls-exporter` channel
/// binding value for SCRAM -PLUS.
public final class TLSConnectionState: Sendable {
    private struct Learned {
        var exporter: [UInt8]?
        var cipherSuite: UInt16?
        var session: TLSSessionInfo?
    }

    private let learned = Mutex(Learned())
    let logger: Logger?
    let handshakeCompleted: (@Sendable (TLSSessionInfo) -> Void)?

    /// `logger` (with the listener and remote address as metadata) gets one line per completed
    /// handshake; nil logs nothing. `handshakeCompleted` hears each negotiated session (metrics).
    public init(logger: Logger? = nil, handshakeCompleted: (@Sendable (TLSSessionInfo) -> Void)? = nil) {
        self.logger = logger
        self.handshakeCompleted = handshakeCompleted
    }

    /// `TLS-Exporter("EXPORTER-Channel-Binding", "", 32)` (RFC 9266 §2) of this connection, once
    /// its TLS 1.3 handshake has derived the exporter secret; nil before, on TLS 1.2, or without
    /// TLS. (RFC 9266 §3 allows TLS 1.2 only with extended master secret, which cannot be checked
    /// from outside swift-nio-ssl, so TLS 1.2 connections get no binding.)
    public var channelBinding: [UInt8]? { learned.withLock { $0.exporter } }

    /// The negotiated version and cipher suite once the handshake has completed; nil before and
    /// without TLS.
    public var session: TLSSessionInfo? { learned.withLock { $0.session } }

    func record(exporterSecret: [UInt8]) {
        guard let value = TLS13Exporter.channelBinding(exporterSecret: exporterSecret) else { return }
        learned.withLock { $0.exporter = value }
    }

    /// From the ServerHello as it left (`TLSHandshakeObserver`).
    func record(cipherSuite: UInt16) {
        learned.withLock { $0.cipherSuite = cipherSuite }
    }

    /// At `TLSUserEvent.handshakeCompleted`, with the version swift-nio-ssl reports.
    func recordHandshakeCompleted(version: TLSVersion?) {
        let session = learned.withLock { learned in
            let session = TLSSessionInfo(
                version: version.map(TLSSessionInfo.name) ?? "TLS",
                cipher: learned.cipherSuite.map(TLSCipherSuiteNames.name))
            learned.session = session
            return session
        }
        logger?.info("TLS established", metadata: [
            "version": "\(session.version)", "cipher": "\(session.cipher ?? "unknown")",
        ])
        handshakeCompleted?(session)
    }
}

/// What a session records about its TLS layer for Received headers and logs.
public struct TLSSessionInfo: Sendable, Equatable, CustomStringConvertible {
    /// `TLSv1.2`, `TLSv1.3`.
    public let version: String
    /// The cipher suite by its OpenSSL name (what Postfix and Dovecot print, e.g.
    /// `TLS_AES_256_GCM_SHA384`, `ECDHE-RSA-AES128-GCM-SHA256`); nil if the ServerHello was
    /// not seen.
    public let cipher: String?

    public init(version: String, cipher: String? = nil) {
        self.version = version
        self.cipher = cipher
    }

    /// `TLSv1.3 with cipher TLS_AES_256_GCM_SHA384`: the Received header comment.
    public var description: String {
        cipher.map { "\(version) with cipher \($0)" } ?? version
    }

    static func name(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "TLSv1.0"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        }
    }
}
