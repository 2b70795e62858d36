import NIOCore
import NIOSSL
import Synchronization

/// The server TLS context every listener shares. Held behind a lock so a reload (SIGHUP, new
/// certificate) takes effect for new connections and handshakes without touching live sessions.
public final class TLSProvider: Sendable {
    private let current: Mutex<NIOSSLContext>

    public init(context: NIOSSLContext) { current = Mutex(context) }

    public var context: NIOSSLContext { current.withLock { $0 } }

    public func replace(with context: NIOSSLContext) { current.withLock { $0 = context } }

    /// A handler that performs the server side of the TLS handshake on its channel.
    public func makeServerHandler() -> NIOSSLServerHandler { NIOSSLServerHandler(context: context) }

    /// Starts TLS on a connection that has spoken plaintext so far (STARTTLS, STLS). The caller
    /// must already have discarded any bytes it buffered before this point (RFC 3207 §4.2 and the
    /// CVE-2011-0411 class of injection); the TLS handler goes first in the pipeline.
    public func startTLS(on channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(makeServerHandler(), position: .first)
        }
    }
}

/// What a session records about its TLS layer for Received headers and logs.
public struct TLSSessionInfo: Sendable, Equatable, CustomStringConvertible {
    public let version: String
    public init(version: String) { self.version = version }
    public var description: String { version }

    /// Reads the negotiated version once the handshake has completed.
    public static func read(from channel: any Channel) -> EventLoopFuture<TLSSessionInfo?> {
        channel.nioSSL_tlsVersion().map { version in
            version.map { TLSSessionInfo(version: Self.name($0)) }
        }.recover { _ in nil }
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
