import CompressNIO
import NIOCore

/// RFC 4978 COMPRESS=DEFLATE: raw DEFLATE (RFC 1951, zlib windowBits -15, §4) both ways,
/// installed just in front of the session's `SessionDriver`: below the IMAP framing, above TLS
/// (§3: compress first, then encrypt; receive in the reverse order).
enum IMAPDeflate {
    /// Octets inflated per delivery: the most a compressed stream can put into the session's
    /// input before the session asks for more (a decompression bomb meets the line and literal
    /// limits a chunk at a time, never all at once).
    static let inflateChunk = 16 * 1_024

    /// Octets of refused input (the rest of a line over the limit, a refused non-synchronizing
    /// literal) a compressed session may make the server read and skip in all. DEFLATE packs
    /// about 1,000 octets of a repeated pattern into one, so unbounded skipping would let a few
    /// KB keep a core busy; past this bound the session says BYE and closes (RFC 7888 §4 lets a
    /// server close rather than skip a literal). Literals it accepts are bounded by the message
    /// size and quota as in any session.
    static let maxDiscardedOctets = 1_024 * 1_024

    /// Installs both handlers in front of `context`'s handler (the session driver). `leftover`:
    /// octets already received behind the COMPRESS command, compressed (RFC 4978 §3 forbids
    /// sending them before the tagged OK, but a client that does so is read correctly).
    static func install(before context: ChannelHandlerContext, leftover: ByteBuffer) throws {
        let inflater = try DeflateInflater(leftover: leftover)
        let deflater = try DeflateDeflater()
        let operations = context.pipeline.syncOperations
        try operations.addHandler(inflater, position: .before(context.handler))
        try operations.addHandler(deflater, position: .before(context.handler))
    }
}

/// The inbound half: inflates what the client sends, one `IMAPDeflate.inflateChunk` per read the
/// session asks for (`read()` is what the session driver passes on only while it wants input), so
/// the compressed input it holds is at most one socket read and the inflated one at most a chunk.
final class DeflateInflater: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let inflater: ZlibDecompressor
    /// Compressed octets received and not yet inflated.
    private var pending: ByteBuffer
    /// The last inflate filled its output: zlib may hold more output without new input.
    private var outputMayRemain = false
    /// The session asked for input.
    private var demand = false
    private var delivering = false
    private var failed = false
    static let chunksPerTurn = 16

    init(leftover: ByteBuffer) throws {
        inflater = try ZlibDecompressor(algorithm: .deflate, windowSize: 15)
        pending = leftover
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if pending.readableBytes > 0 { scheduleDelivery(context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        // This read answers a `read()` the session made: it gets (at least) one chunk.
        demand = true
        deliver(context)
    }

    func read(context: ChannelHandlerContext) {
        if pending.readableBytes > 0 || outputMayRemain {
            scheduleDelivery(context)
        } else {
            context.read()
        }
    }

    /// A `read()` is answered on the next turn of the event loop, as the channel answers it:
    /// the session asks for input from inside its own bookkeeping and must not get it there.
    /// Within `deliver` the loop answers it instead.
    private func scheduleDelivery(_ context: ChannelHandlerContext) {
        let alreadyDue = demand
        demand = true
        guard !delivering, !alreadyDue else { return }
        context.eventLoop.assumeIsolated().execute { [self] in deliver(context) }
    }

    /// Hands the session one chunk per read it asks for. Not re-entrant: the session asking
    /// for more while taking a chunk is answered by the loop, not by recursion.
    private func deliver(_ context: ChannelHandlerContext) {
        guard !delivering, !failed else { return }
        delivering = true
        defer { delivering = false }
        var chunks = 0
        while demand, context.channel.isActive {
            demand = false
            chunks += 1
            if chunks > Self.chunksPerTurn {
                // Other connections get the event loop between bursts of a long stream.
                demand = true
                return context.eventLoop.assumeIsolated().execute { [self] in deliver(context) }
            }
            var output = context.channel.allocator.buffer(capacity: IMAPDeflate.inflateChunk)
            let before = pending.readableBytes
            do {
                outputMayRemain = false
                try inflater.inflate(from: &pending, to: &output)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                outputMayRemain = true
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                // All input used: more is needed.
            } catch {
                return fail(context, error)
            }
            if output.readableBytes == 0 {
                // Input that inflates to nothing and is not consumed: the stream ended (or is
                // broken); octets after it are not DEFLATE.
                if pending.readableBytes > 0 && pending.readableBytes == before {
                    return fail(context, CompressNIOError.corruptData)
                }
                pending.discardReadBytes()
                context.read()
                return
            }
            if pending.readableBytes == 0 { pending.clear() }
            context.fireChannelRead(wrapInboundOut(output))
            context.fireChannelReadComplete()
            // What `autoRead` does after a socket read: ask again from the tail, through the
            // session driver (which passes it on only while it wants input). Nested, it only
            // sets `demand`, and this loop answers it.
            if (try? context.channel.syncOptions?.getOption(ChannelOptions.autoRead)) ?? true { context.channel.read() }
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ error: any Error) {
        failed = true
        pending.clear()
        context.fireErrorCaught(IMAPDeflateError.corruptInput("\(error)"))
    }
}

/// The outbound half: each write is deflated as it comes, and each flush ends with Z_SYNC_FLUSH so
/// the client can inflate every response burst at once (RFC 4978 §4; the session flushes after
/// each burst).
final class DeflateDeflater: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let deflater: ZlibCompressor

    init() throws {
        // Level 1: RFC 4978 §4 notes responses compress well even at zlib's cheapest setting.
        deflater = try ZlibCompressor(
            algorithm: .deflate,
            configuration: ZlibConfiguration(windowSize: .window128k, compressionLevel: .fastestCompression, memoryLevel: .memory128K))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var input = unwrapOutboundIn(data)
        do {
            let output = try deflate(&input, flush: .no, context)
            context.write(wrapOutboundOut(output), promise: promise)
        } catch {
            promise?.fail(error)
            context.fireErrorCaught(error)
        }
    }

    func flush(context: ChannelHandlerContext) {
        var nothing = context.channel.allocator.buffer(capacity: 0)
        do {
            let output = try deflate(&nothing, flush: .sync, context)
            if output.readableBytes > 0 { context.write(wrapOutboundOut(output), promise: nil) }
        } catch {
            context.fireErrorCaught(error)
        }
        context.flush()
    }

    /// zlib's contract: output space left after a call means the input (and the flush) is done;
    /// a full output asks for another call; Z_BUF_ERROR with space left means nothing to do.
    private func deflate(_ input: inout ByteBuffer, flush: CompressNIOFlush, _ context: ChannelHandlerContext) throws -> ByteBuffer {
        var output = context.channel.allocator.buffer(capacity: max(256, input.readableBytes / 2 + 64))
        while true {
            if output.writableBytes == 0 { output.reserveCapacity(minimumWritableBytes: max(1_024, output.capacity)) }
            do {
                try deflater.deflate(from: &input, to: &output, flush: flush)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                if output.writableBytes > 0 { return output }
                continue
            }
            if output.writableBytes > 0 { return output }
        }
    }
}

enum IMAPDeflateError: Error, CustomStringConvertible {
    case corruptInput(String)

    var description: String {
        switch self {
        case .corruptInput(let reason): "the client's DEFLATE stream is corrupt (\(reason))"
        }
    }
}
