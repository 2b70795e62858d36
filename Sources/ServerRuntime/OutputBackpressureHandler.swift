import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Backpressure for every session on every listener: a client that sends commands but does not
/// read the replies must not make the server buffer them without bound.
///
/// The child channel's write-buffer watermark (`limits.max_unsent_output`) makes it unwritable
/// once that many reply bytes wait to be sent. While it is unwritable this handler turns
/// `autoRead` off, so no more input is read (the client's own socket fills and blocks it), and
/// turns it back on when the channel drains below the low watermark. A session whose unsent
/// output makes no progress for `stallTimeout` (not one queued buffer reaches the socket) is
/// closed: the client has stopped reading. That holds below the watermark too: a client that
/// stops reading and sending once reading resumed would otherwise leave its last replies
/// queued until the protocol's idle timeout.
///
/// How much a session can add after reading stops is bounded by one read: protocol handlers
/// process every complete command of a read at once, and a read is at most
/// `maxMessagesPerRead` (4) buffers from the receive allocator (at most 64 KiB each).
///
/// Sits first in the pipeline (next to the socket), so it sees the bytes that really go out,
/// after TLS. Large writes (a FETCH or RETR of a big message) are passed on in slices of
/// `sliceSize`, so progress is seen while a slow but reading client takes them.
final class OutputBackpressureHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    static let sliceSize = 64 * 1024

    private let stallTimeout: Duration
    private let logger: Logger
    private var stallTimer: Scheduled<Void>?
    private var paused = false
    /// Writes passed on whose promise has not completed: unsent output.
    private var outstanding = 0
    /// When a write last reached the socket, or unsent output began.
    private var lastProgress = NIODeadline.uptimeNanoseconds(0)

    init(stallTimeout: Duration, logger: Logger) {
        self.stallTimeout = stallTimeout
        self.logger = logger
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let writable = context.channel.isWritable
        if writable && paused {
            paused = false
            try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
        } else if !writable && !paused {
            paused = true
            try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
        }
        context.fireChannelWritabilityChanged()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .byteBuffer(var buffer) = unwrapOutboundIn(data), buffer.readableBytes > Self.sliceSize else {
            return context.write(data, promise: progressPromise(context, cascadingTo: promise))
        }
        while buffer.readableBytes > Self.sliceSize {
            let slice = buffer.readSlice(length: Self.sliceSize)!
            context.write(wrapOutboundOut(.byteBuffer(slice)), promise: progressPromise(context, cascadingTo: nil))
        }
        context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: progressPromise(context, cascadingTo: promise))
    }

    func channelInactive(context: ChannelHandlerContext) {
        stallTimer?.cancel()
        stallTimer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stallTimer?.cancel()
    }

    /// A promise that, when its write reaches the socket, counts as progress, then completes
    /// `promise`. One timer per connection at most, re-armed from its own callback, so a reply
    /// costs no timer scheduling of its own.
    private func progressPromise(_ context: ChannelHandlerContext, cascadingTo promise: EventLoopPromise<Void>?) -> EventLoopPromise<Void> {
        let written = context.eventLoop.makePromise(of: Void.self)
        if outstanding == 0 { lastProgress = context.eventLoop.now }
        outstanding += 1
        if stallTimer == nil { armStallTimer(context) }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        written.futureResult.whenComplete { result in
            let (handler, context) = bound.value
            handler.outstanding -= 1
            if case .success = result { handler.lastProgress = context.eventLoop.now }
            promise?.completeWith(result)
        }
        return written
    }

    private func armStallTimer(_ context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        stallTimer = context.eventLoop.scheduleTask(deadline: lastProgress + TimeAmount(stallTimeout)) {
            let (handler, context) = bound.value
            handler.stallTimer = nil
            guard handler.outstanding > 0 else { return }
            if context.eventLoop.now < handler.lastProgress + TimeAmount(handler.stallTimeout) {
                return handler.armStallTimer(context)
            }
            handler.logger.notice("closing a connection that does not read its replies", metadata: [
                "remote": "\(context.channel.remoteAddress?.ipAddress ?? "unknown")",
                "stalled_for": "\(handler.stallTimeout)",
            ])
            handler.abort(context)
        }
    }

    /// Closes with a reset (SO_LINGER 0) rather than a FIN. A FIN queues behind the unsent
    /// replies in the kernel's send buffer, which a client that does not read never takes: the
    /// client went on seeing an open connection, and the orphaned socket kept its buffer, for
    /// as long as the kernel probed the zero window. A reset (TCP's ABORT call) ends both at once.
    private func abort(_ context: ChannelHandlerContext) {
        // On the event loop this sets the option at once, before the close below.
        _ = (context.channel as? SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        context.close(promise: nil)
    }
}
