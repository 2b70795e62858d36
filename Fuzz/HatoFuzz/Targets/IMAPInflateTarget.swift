// IMAP COMPRESS=DEFLATE (RFC 4978): what a client sends after COMPRESS is raw DEFLATE (RFC 1951)
// that the server inflates with CompressNIO's streaming ZlibDecompressor, one bounded output
// chunk at a time (Sources/IMAPServer/Session/DeflateHandlers.swift). The DMARC report work
// found memory corruption in CompressNIO's one-shot `ByteBuffer.decompress(with:maxSize:)` on
// hostile gzip input; this target runs the streaming path the IMAP server uses, under ASan,
// on hostile DEFLATE split as TCP would split it.

import CompressNIO
import NIOCore

/// `imap-inflate`: the first byte chooses the output chunk (16 to 4,096 octets, or the server's
/// 16 KiB), the rest is the compressed stream; fed whole and drip-fed, the inflated octets must
/// agree as far as both got.
enum IMAPInflateTarget {
    /// Inflated octets looked at per input (a bomb is cut here, as the session's limits cut it).
    static let outputBound = 64 * 1_024

    static func run(_ bytes: [UInt8]) {
        let option = Int(bytes.first ?? 0)
        let chunk = option == 0 ? 16 * 1_024 : option * 16
        let stream = Array(bytes.dropFirst())
        let whole = inflate(stream, split: false, chunk: chunk)
        let dripped = inflate(stream, split: true, chunk: chunk)
        let common = min(whole.count, dripped.count)
        precondition(whole.prefix(common) == dripped.prefix(common), "inflated octets depend on how the input was split")
    }

    /// The loop of `DeflateInflater.deliver`: inflate into a fresh bounded buffer until nothing
    /// comes out; input that inflates to nothing and is not consumed ends the stream.
    static func inflate(_ bytes: [UInt8], split: Bool, chunk: Int) -> [UInt8] {
        guard let inflater = try? ZlibDecompressor(algorithm: .deflate, windowSize: 15) else { return [] }
        var inflated: [UInt8] = []
        var pending = ByteBuffer()
        for range in split ? Drip.pieces(of: bytes) : [0..<bytes.count] {
            pending.writeBytes(bytes[range])
            var rounds = 0
            while true {
                rounds += 1
                precondition(rounds <= outputBound + 2, "inflate does not progress")
                var output = ByteBufferAllocator().buffer(capacity: chunk)
                let before = pending.readableBytes
                do {
                    try inflater.inflate(from: &pending, to: &output)
                } catch let error as CompressNIOError where error == .bufferOverflow || error == .inputBufferOverflow {
                    // Output full, or all input used: as the server goes on.
                } catch {
                    return inflated
                }
                precondition(output.readableBytes <= output.capacity, "inflate wrote past its output")
                if output.readableBytes == 0 {
                    if pending.readableBytes > 0 && pending.readableBytes == before { return inflated }
                    pending.discardReadBytes()
                    break
                }
                inflated += output.readableBytesView
                if inflated.count >= outputBound { return inflated }
                if pending.readableBytes == 0 { pending.clear() }
            }
        }
        return inflated
    }
}
