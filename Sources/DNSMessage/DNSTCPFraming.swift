// RFC 1035 §4.2.2 (and RFC 7766 §8): over TCP each message is prefixed with a two-octet
// length field. Framing is separate from decoding: this splits a byte stream into messages,
// whatever the read boundaries, and knows nothing of their content.

import NIOCore

public enum DNSTCPFraming {
    /// Removes and returns the next complete message from `buffer`, or nil when more bytes are
    /// needed. A zero length frame is returned as an empty buffer (the decoder rejects it).
    public static func nextFrame(from buffer: inout ByteBuffer) -> ByteBuffer? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              buffer.readableBytes >= 2 + Int(length)
        else { return nil }
        buffer.moveReaderIndex(forwardBy: 2)
        return buffer.readSlice(length: Int(length))
    }

    /// The length-prefixed form of `message`.
    public static func frame(_ message: [UInt8], into buffer: inout ByteBuffer) throws(DNSWireError) {
        guard message.count <= DNSLimits.maxMessageLength else { throw .messageTooLong }
        buffer.writeInteger(UInt16(message.count))
        buffer.writeBytes(message)
    }
}

/// A NIO decoder over `DNSTCPFraming`: emits one `ByteBuffer` per framed message.
public struct DNSTCPFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer
    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = DNSTCPFraming.nextFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer,
                                    seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
