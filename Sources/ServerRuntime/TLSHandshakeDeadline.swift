import Logging
import NIOCore
import NIOTLS

/// Closes a connection whose TLS handshake has not completed within the deadline, counted from
/// when the handshake could start (connection accepted on an implicit-TLS listener, or the
/// STARTTLS/STLS reply sent). Bytes do not extend it, so a client that sends half a ClientHello,
/// or trickles one, cannot hold the connection (`limits.tls_handshake_timeout`). There is no
/// protocol reply to give mid-handshake: the connection is just closed.
final class TLSHandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let timeout: Duration
    private let logger: Logger?
    private var timer: Scheduled<Void>?

    init(timeout: Duration, logger: Logger?) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            let (handler, context) = bound.value
            handler.logger?.notice("closing a connection whose TLS handshake did not complete in time",
                                   metadata: ["timeout": "\(handler.timeout)"])
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            timer?.cancel()
            timer = nil
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }
}
