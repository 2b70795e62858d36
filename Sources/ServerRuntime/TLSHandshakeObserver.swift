import NIOCore
import NIOSSL
import NIOTLS

/// Sits between the socket and the TLS handler and reads two things from the handshake's
/// plaintext records as they pass, forwarding every byte unchanged and at once:
/// - inbound, the client random of the ClientHello (RFC 8446 §4.1.2), so the key-log line that
///   carries this connection's exporter secret can be found (`TLSExporterCapture`);
/// - outbound, the cipher suite of the ServerHello (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3), which
///   swift-nio-ssl 2.37 does not expose, for Received headers and logs.
final class TLSHandshakeObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    // TLSPlaintext: type(1) = 22 handshake, legacy_record_version(2), length(2);
    // Handshake: msg_type(1) = 1 client_hello, length(3); ClientHello: legacy_version(2), random(32).
    static let randomRange = 11..<43

    private let capture: TLSExporterCapture
    private let state: TLSConnectionState
    private var clientHead: [UInt8] = []
    private var clientDone = false
    private var serverHello = ServerHelloReader()
    private var registered: [UInt8]?

    init(capture: TLSExporterCapture, state: TLSConnectionState) {
        self.capture = capture
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !clientDone {
            let bytes = unwrapInboundIn(data)
            clientHead += bytes.readableBytesView.prefix(Self.randomRange.upperBound - clientHead.count)
            if clientHead.count >= Self.randomRange.upperBound {
                clientDone = true
                if clientHead[0] == 22 && clientHead[5] == 1 {
                    let random = Array(clientHead[Self.randomRange])
                    if capture.register(clientRandom: random, state: state) { registered = random }
                }
                clientHead = []
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !serverHello.done {
            if let suite = serverHello.feed(unwrapOutboundIn(data).readableBytesView) {
                state.record(cipherSuite: suite)
            }
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let registered { capture.unregister(clientRandom: registered) }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if let registered { capture.unregister(clientRandom: registered) }
    }
}

/// Finds the cipher suite in the first bytes the server sends, however they are split into
/// writes. The ServerHello is always the server's first handshake message and fits the first
/// record; a HelloRetryRequest has the ServerHello layout and names the suite the final
/// ServerHello must repeat (RFC 8446 §4.1.4), so reading the first one is enough.
struct ServerHelloReader {
    // TLSPlaintext header(5); Handshake: msg_type(1) = 2 server_hello, length(3);
    // ServerHello: legacy_version(2), random(32), legacy_session_id<0..32>, cipher_suite(2).
    static let sessionIDLengthOffset = 5 + 4 + 2 + 32

    private var head: [UInt8] = []
    private(set) var done = false

    /// Returns the suite once enough bytes have passed; gives up (done, nil) on anything that is
    /// not a ServerHello.
    mutating func feed(_ bytes: some Collection<UInt8>) -> UInt16? {
        guard !done else { return nil }
        head += bytes.prefix(Self.sessionIDLengthOffset + 1 + 32 + 2 - head.count)
        if head.count >= 6 && (head[0] != 22 || head[5] != 2) { return finish(nil) }
        guard head.count > Self.sessionIDLengthOffset else { return nil }
        let sessionIDLength = Int(head[Self.sessionIDLengthOffset])
        guard sessionIDLength <= 32 else { return finish(nil) }
        let suiteOffset = Self.sessionIDLengthOffset + 1 + sessionIDLength
        guard head.count >= suiteOffset + 2 else { return nil }
        return finish(UInt16(head[suiteOffset]) << 8 | UInt16(head[suiteOffset + 1]))
    }

    private mutating func finish(_ suite: UInt16?) -> UInt16? {
        done = true
        head = []
        return suite
    }
}

/// Sits right after the TLS handler: when the handshake completes, it records the negotiated
/// version in the connection's state (which logs it) before the session hears of it.
final class TLSHandshakeRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let state: TLSConnectionState

    init(state: TLSConnectionState) { self.state = state }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            let version = try? context.pipeline.syncOperations.nioSSL_tlsVersion()
            state.recordHandshakeCompleted(version: version)
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
