import Logging
import NIOCore
import NIOSSL
import NIOTLS
import TLSClientHello

/// Where the ACME tls-alpn-01 challenge certificates come from (RFC 8737 §3): for a host name
/// being validated, the self-signed certificate carrying the acmeIdentifier extension and its key.
/// nil: no challenge is pending for that name.
public protocol TLSALPNChallengeSource: Sendable {
    func challengeIdentity(forServerName name: String) -> TLSIdentity?
}

/// The ALPN protocol name of tls-alpn-01 (RFC 8737 §6.2).
public let acmeTLSALPNProtocol = "acme-tls/1"

/// Stands where the TLS handler goes on an implicit-TLS listener while tls-alpn-01 challenges
/// are answered, reads the ClientHello (bounded, `ClientHelloParser`) and then puts the TLS
/// handler in its own place with the bytes it held:
/// - a ClientHello offering ALPN `acme-tls/1` for a name with a pending challenge gets a context
///   with the challenge certificate that negotiates `acme-tls/1`, and the connection is closed
///   once the handshake completes (RFC 8737 §3: the validator sends nothing more);
/// - everything else gets the server's normal context, so clients on 443 (or 993 ...) always see
///   the real certificate.
///
/// The protocol session behind may write (its greeting) before the TLS handler exists; the
/// `TLSOutputHold` placed after this handler keeps those writes and passes them to the TLS
/// handler once it is in place, so nothing leaves in plaintext.
///
/// Why read the ClientHello here rather than in swift-nio-ssl's context callback: that callback
/// (`sslContextCallback`) is told only the SNI name, not the offered ALPN protocols, and the
/// ALPN choice itself is made from the context's fixed list; the challenge must be chosen by both.
final class TLSALPNChallengeRouter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let provider: TLSProvider
    private let source: any TLSALPNChallengeSource
    private let logger: Logger?
    private let output: TLSOutputHold
    private var held: ByteBuffer?

    init(provider: TLSProvider, source: any TLSALPNChallengeSource, output: TLSOutputHold, logger: Logger?) {
        self.provider = provider
        self.source = source
        self.output = output
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if held == nil { held = bytes } else { held!.writeBuffer(&bytes) }
        switch ClientHelloParser.parse(held!) {
        case .needMoreData:
            return
        case .notClientHello:
            hand(context, to: provider.context, challenge: false)
        case .clientHello(let hello):
            guard hello.applicationProtocols.contains(acmeTLSALPNProtocol) else {
                return hand(context, to: provider.context, challenge: false)
            }
            guard let name = hello.serverName, let identity = source.challengeIdentity(forServerName: name),
                  let challengeContext = try? Self.challengeContext(identity)
            else {
                logger?.notice("acme-tls/1 handshake for a name with no pending tls-alpn-01 challenge",
                               metadata: ["sni": "\(LogSafe.escaped(hello.serverName ?? "(none)"))"])
                return hand(context, to: provider.context, challenge: false)
            }
            logger?.info("answering an ACME tls-alpn-01 validation", metadata: ["sni": "\(LogSafe.escaped(name))"])
            hand(context, to: challengeContext, challenge: true)
        }
    }

    /// Puts the TLS handler after this one, passes it what was read, and leaves the pipeline.
    private func hand(_ context: ChannelHandlerContext, to sslContext: NIOSSLContext, challenge: Bool) {
        let bytes = held
        held = nil
        do {
            let operations = context.pipeline.syncOperations
            let tls = NIOSSLServerHandler(context: sslContext)
            if challenge { try operations.addHandler(CloseAfterChallengeHandshake(), position: .after(self)) }
            try operations.addHandler(tls, position: .after(self))
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
            return
        }
        output.release(dropping: challenge)
        if let bytes { context.fireChannelRead(wrapInboundOut(bytes)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// RFC 8737 §3: the certificate for the name, and ALPN answering only `acme-tls/1`.
    static func challengeContext(_ identity: TLSIdentity) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: identity.chain.map { .certificate($0) }, privateKey: .privateKey(identity.key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = [acmeTLSALPNProtocol]
        return try NIOSSLContext(configuration: configuration)
    }
}

/// After a tls-alpn-01 handshake nothing else is said (RFC 8737 §3): the protocol session
/// behind never hears of the connection's handshake, and the connection is closed.
final class CloseAfterChallengeHandshake: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// Keeps what the session writes until the TLS handler is in place before it (see
/// `TLSALPNChallengeRouter`), then passes it on, or, on a challenge connection, drops it.
final class TLSOutputHold: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var writes: [(NIOAny, EventLoopPromise<Void>?)] = []
    private var flushed = false
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    /// Closed before the ClientHello was read: what the session wrote was never sent.
    func handlerRemoved(context: ChannelHandlerContext) {
        let pending = writes
        writes = []
        for (_, promise) in pending { promise?.fail(ChannelError.ioOnClosedChannel) }
        self.context = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writes.append((data, promise))
    }

    func flush(context: ChannelHandlerContext) { flushed = true }

    /// Called on the event loop once the TLS handler has been added before this handler.
    func release(dropping: Bool) {
        guard let context else { return }
        let pending = writes
        writes = []
        for (data, promise) in pending {
            if dropping { promise?.fail(ChannelError.ioOnClosedChannel) } else { context.write(data, promise: promise) }
        }
        if flushed && !dropping { context.flush() }
        self.context = nil
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
