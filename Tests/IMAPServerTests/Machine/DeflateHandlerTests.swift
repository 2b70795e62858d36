@testable import IMAPServer
import NIOCore
import NIOEmbedded
import Testing

/// RFC 4978's two handlers on embedded channels: what the deflater writes, the inflater gives
/// back whole however the stream is split (one octet per read, all at once, random pieces), and
/// the inflater hands over at most one chunk per read the session asks for.
@Suite struct DeflateHandlerTests {
    /// Records what the inflater delivers; while `paused` it holds `read()` back, as the session
    /// driver does.
    final class Session: ChannelDuplexHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundIn = ByteBuffer
        var received: [UInt8] = []
        var largestDelivery = 0
        var paused = false
        var readPending = false

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data)
            largestDelivery = max(largestDelivery, bytes.readableBytes)
            received += bytes.readableBytesView
        }

        func read(context: ChannelHandlerContext) {
            if paused { readPending = true } else { context.read() }
        }
    }

    /// The inflater only delivers on an active channel.
    static func connected() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    static func deflated(_ pieces: [String]) throws -> [UInt8] {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(try DeflateDeflater())
        var output: [UInt8] = []
        for piece in pieces {
            try channel.writeOutbound(ByteBuffer(string: piece))  // write + flush: one burst each
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { output += buffer.readableBytesView }
        }
        return output
    }

    static func inflate(_ compressed: [UInt8], splits: [Int]) throws -> (Session, EmbeddedChannel) {
        let channel = try Self.connected()
        let session = Session()
        try channel.pipeline.syncOperations.addHandler(try DeflateInflater(leftover: ByteBuffer()))
        try channel.pipeline.syncOperations.addHandler(session)
        var offset = 0
        for size in splits where offset < compressed.count {
            let end = min(compressed.count, offset + size)
            try channel.writeInbound(ByteBuffer(bytes: compressed[offset..<end]))
            channel.read()
            channel.embeddedEventLoop.run()
            offset = end
        }
        return (session, channel)
    }

    @Test func roundTripsHoweverTheStreamIsSplit() throws {
        let lines = (1...200).map { "a\($0) UID FETCH \($0):* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])\r\n" }
        let text = lines.joined()
        let compressed = try Self.deflated(lines)
        #expect(compressed.count < text.utf8.count / 3, "\(compressed.count) of \(text.utf8.count)")
        var generator = SystemRandomNumberGenerator()
        let random = (0..<compressed.count).map { _ in Int.random(in: 1...64, using: &generator) }
        for (name, splits) in [("one octet", Array(repeating: 1, count: compressed.count)), ("whole", [compressed.count]),
                               ("random", random)] {
            let (session, _) = try Self.inflate(compressed, splits: splits)
            #expect(String(decoding: session.received, as: UTF8.self) == text, "\(name)")
        }
    }

    /// 8 MiB that deflate to a few KiB: while the session holds its reads back only one chunk
    /// arrives; each read it makes brings at most one more.
    @Test func aBombIsHandedOverAChunkPerRead() throws {
        let piece = String(repeating: "A", count: 1_024 * 1_024)
        let compressed = try Self.deflated(Array(repeating: piece, count: 8))
        #expect(compressed.count < 64 * 1_024)
        let channel = try Self.connected()
        let session = Session()
        session.paused = true
        try channel.pipeline.syncOperations.addHandler(try DeflateInflater(leftover: ByteBuffer()))
        try channel.pipeline.syncOperations.addHandler(session)
        try channel.writeInbound(ByteBuffer(bytes: compressed))
        channel.embeddedEventLoop.run()
        #expect(session.received.count == IMAPDeflate.inflateChunk)
        session.paused = false
        var reads = 0
        while session.received.count < 8 * piece.utf8.count && reads < 10_000 {
            channel.read()
            channel.embeddedEventLoop.run()
            reads += 1
        }
        #expect(session.received.count == 8 * piece.utf8.count)
        #expect(session.largestDelivery <= IMAPDeflate.inflateChunk)
    }

    /// A stream that is not DEFLATE is an error on the channel (the driver closes).
    @Test func corruptInputIsAnError() throws {
        let channel = try Self.connected()
        try channel.pipeline.syncOperations.addHandler(try DeflateInflater(leftover: ByteBuffer()))
        #expect(throws: IMAPDeflateError.self) {
            try channel.writeInbound(ByteBuffer(bytes: [UInt8](repeating: 0xFF, count: 16)))
            try channel.throwIfErrorCaught()
        }
    }
}
