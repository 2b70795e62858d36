import Logging
import NIOCore

/// What a listener knows about one accepted connection, handed to the protocol.
public struct ConnectionContext: Sendable {
    public let listener: String
    public let remoteAddress: SocketAddress?
    public let localAddress: SocketAddress?
    /// True when the listener does implicit TLS (RFC 8314): the TLS handler is already in place.
    public let implicitTLS: Bool
    /// For STARTTLS/STLS; nil when the listener has no TLS configured.
    public let tls: TLSProvider?
    /// Filled in by the TLS layer (implicit TLS, or after STARTTLS with `startTLS(on:)`).
    public let tlsState: TLSConnectionState
    /// Where this connection's sessions count what happens (docs/metrics.md).
    public let metrics: ServerMetrics

    /// Made by the listener for each accepted connection; public so a session can be driven
    /// without a socket (HatoTesting's `ChannelDialog`).
    public init(listener: String, remoteAddress: SocketAddress?, localAddress: SocketAddress?, implicitTLS: Bool,
         tls: TLSProvider?, logger: Logger? = nil, metrics: ServerMetrics = .none) {
        self.listener = listener
        self.remoteAddress = remoteAddress
        self.localAddress = localAddress
        self.implicitTLS = implicitTLS
        self.tls = tls
        var tlsLogger = logger
        tlsLogger?[metadataKey: "listener"] = "\(listener)"
        tlsLogger?[metadataKey: "remote"] = "\(remoteAddress?.ipAddress ?? "unknown")"
        tlsState = TLSConnectionState(logger: tlsLogger) { session in
            metrics.tlsHandshake(listener: listener, version: session.version)
        }
        self.metrics = metrics
    }

    /// The negotiated TLS version and cipher once the handshake has completed (Received
    /// headers); nil before and on plaintext connections.
    public var tlsSession: TLSSessionInfo? { tlsState.session }

    /// The RFC 9266 `tls-exporter` value once TLS 1.3 is up; nil otherwise (SCRAM -PLUS is then
    /// not offered).
    public var channelBinding: [UInt8]? { tlsState.channelBinding }

    /// STARTTLS/STLS on this connection (see `TLSProvider.startTLS(on:state:)`); nil without TLS.
    public func startTLS(on channel: any Channel) -> EventLoopFuture<Void>? {
        tls?.startTLS(on: channel, state: tlsState)
    }

    public var remoteIP: String { remoteAddress?.ipAddress ?? "unknown" }

    /// Loopback clients may authenticate in plaintext (the brief's one exception).
    public var isLoopback: Bool {
        guard let ip = remoteAddress?.ipAddress else { return false }
        return ip == "::1" || ip.hasPrefix("127.") || ip.hasPrefix("::ffff:127.")
    }
}

/// One protocol (SMTP, IMAP, POP3) plugged into the generic listener.
public protocol ProtocolServer: Sendable {
    /// Sets up the session handlers on a new connection. Runs on the channel's event loop.
    func initializeConnection(_ channel: any Channel, context: ConnectionContext) throws

    /// The line sent before closing a connection refused for exceeding the per-IP limit
    /// (SMTP `421 4.7.0 ...`, IMAP `* BYE ...`, POP3 `-ERR ...`), with its CRLF.
    func tooManyConnectionsMessage() -> String

    /// The line sent before closing a connection refused because the listener or the whole
    /// server is at its connection cap (SMTP `421 4.3.2 ...`, IMAP `* BYE [UNAVAILABLE] ...`,
    /// POP3 `-ERR [SYS/TEMP] ...`), with its CRLF.
    func serverBusyMessage() -> String
}

/// Sent through every open session's pipeline when the server shuts down: the session finishes
/// the command in progress, says goodbye in its protocol and closes.
public struct ServerShutdownEvent: Sendable {
    public init() {}
}
