import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Pauses accepting when accept(2) fails for want of resources (EMFILE, ENFILE, ENOBUFS,
/// ENOMEM), on the listening channel. NIO keeps such a socket registered for readability after
/// the error, and with connections waiting in the backlog the event loop would call accept
/// again at once, forever, at 100% CPU (issue 16); NIO's `AcceptBackoffHandler` only delays
/// read requests, which are not made in that state. Turning `autoRead` off unregisters the
/// socket; it is turned back on after `pause`. Waiting clients stay in the backlog meanwhile.
final class AcceptPacingHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let pause: Duration
    private let listener: String
    private let logger: Logger
    private var resume: Scheduled<Void>?

    init(pause: Duration, listener: String, logger: Logger) {
        self.pause = pause
        self.listener = listener
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode) else {
            return context.fireErrorCaught(error)
        }
        guard resume == nil else { return }
        logger.warning("accept failed; pausing new connections", metadata: [
            "listener": "\(listener)", "error": "\(error)", "pause": "\(pause)"])
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        resume = context.eventLoop.scheduleTask(in: TimeAmount(pause)) {
            let (handler, context) = bound.value
            handler.resume = nil
            try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
        context.fireChannelInactive()
    }
}
