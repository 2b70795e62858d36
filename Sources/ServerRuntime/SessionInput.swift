import NIOCore

/// The client input one session holds: the bytes received and not yet decoded, and the
/// session's budget for everything it buffers from the client (`limits.max_session_input`).
///
/// Two rules keep it bounded (issue 16):
/// - Reading stops while the session says so (a command runs, or what it holds reaches the
///   budget): the session's handler passes NIO's `read()` through `read(_:paused:)` and calls
///   `resume(_:paused:)` when it may go on. The kernel's socket buffer and TCP flow control then
///   hold the client back, so at most one read (NIO's `maxMessagesPerRead` receive buffers) is
///   added after a pause.
/// - Consumed bytes are given back: a `ByteBuffer` only grows as bytes are written to it, so a
///   session that decodes from the front and appends at the back would otherwise keep every byte
///   a long session ever sent (a POP3 or IMAP client sending 1 MB lines grew the server by the
///   total it sent).
public struct SessionInput {
    /// Received and not yet decoded.
    public var buffer = ByteBuffer()
    /// Octets of client input the session may hold at once, counting what it has assembled
    /// from earlier reads (an IMAP command's literals, an SMTP message) as well as `buffer`.
    public let budget: Int
    /// A `read()` held back while paused.
    private var readPending = false

    /// Storage above this is released once the buffer is empty, not kept for the session's life.
    static let retainedCapacity = 256 * 1024

    public init(budget: Int) {
        self.budget = budget
    }

    /// Appends a read from the channel.
    public mutating func append(_ bytes: inout ByteBuffer) {
        buffer.writeBuffer(&bytes)
    }

    /// Whether what the session holds (`buffer` plus `assembled` octets kept elsewhere) has
    /// reached the budget: no more input until it has been used.
    public func isFull(assembled: Int = 0) -> Bool {
        buffer.readableBytes + assembled >= budget
    }

    /// The handler's `read(context:)`: passes the read on unless `paused`, else remembers it.
    public mutating func read(_ context: ChannelHandlerContext, paused: Bool) {
        if paused {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Resumes a held-back read once nothing pauses the session any more.
    public mutating func resume(_ context: ChannelHandlerContext, paused: Bool) {
        guard !paused, readPending else { return }
        readPending = false
        context.read()
    }

    /// Gives consumed bytes back (call after decoding): an empty buffer is cleared (or replaced,
    /// when a burst grew it past `retainedCapacity`); one mostly consumed is compacted.
    public mutating func reclaim() {
        if buffer.readableBytes == 0 {
            if buffer.capacity > Self.retainedCapacity { buffer = ByteBuffer() } else { buffer.clear() }
        } else if buffer.readerIndex > 64 * 1024, buffer.readerIndex >= buffer.readableBytes {
            buffer.discardReadBytes()
        }
    }

    /// Drops everything received and not decoded (STARTTLS: plaintext must not survive).
    public mutating func discardAll() {
        buffer.clear()
    }
}
