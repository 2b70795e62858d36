import NIOCore
import Testing
@testable import DNSMessage

/// RFC 1035 §4.2.2 length-prefixed framing, drip-fed at every split (house example 1).
@Suite struct FramingTests {
    func stream() throws -> (ByteBuffer, [[UInt8]]) {
        let messages = try (1...3).map { try DNSMessage.query(id: UInt16($0), name: name("m\($0).example"), type: .a).encoded() }
        var buffer = ByteBuffer()
        for message in messages { try DNSTCPFraming.frame(message, into: &buffer) }
        return (buffer, messages)
    }

    func feed(_ chunks: [ByteBuffer]) -> [[UInt8]] {
        var pending = ByteBuffer()
        var out: [[UInt8]] = []
        for var chunk in chunks {
            pending.writeBuffer(&chunk)
            while let frame = DNSTCPFraming.nextFrame(from: &pending) { out.append(Array(frame.readableBytesView)) }
        }
        #expect(pending.readableBytes == 0)
        return out
    }

    @Test func allAtOnce() throws {
        let (buffer, messages) = try stream()
        #expect(feed([buffer]) == messages)
    }

    @Test func oneByteAtATime() throws {
        let (buffer, messages) = try stream()
        let chunks = (0..<buffer.readableBytes).map { buffer.getSlice(at: $0, length: 1)! }
        #expect(feed(chunks) == messages)
    }

    @Test func everyTwoWaySplit() throws {
        let (buffer, messages) = try stream()
        for split in 0...buffer.readableBytes {
            let chunks = [buffer.getSlice(at: 0, length: split)!,
                          buffer.getSlice(at: split, length: buffer.readableBytes - split)!]
            #expect(feed(chunks) == messages)
        }
    }

    @Test func randomSplits() throws {
        let (buffer, messages) = try stream()
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            var chunks: [ByteBuffer] = []
            var offset = 0
            while offset < buffer.readableBytes {
                let length = min(Int.random(in: 1...9, using: &rng), buffer.readableBytes - offset)
                chunks.append(buffer.getSlice(at: offset, length: length)!)
                offset += length
            }
            #expect(feed(chunks) == messages)
        }
    }

    @Test func incompleteFrameWaits() throws {
        var buffer = ByteBuffer(bytes: [0, 5, 1, 2])
        #expect(DNSTCPFraming.nextFrame(from: &buffer) == nil)
        #expect(buffer.readableBytes == 4)
    }
}
