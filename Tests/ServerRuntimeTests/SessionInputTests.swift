import NIOCore
import ServerRuntime
import Testing

/// The input buffer every session decodes from (issue 16: a POP3 or IMAP session sending
/// 1 MB lines kept every byte it had ever sent, 100 MB for 100 lines).
@Suite struct SessionInputTests {
    @Test func consumedInputIsGivenBack() {
        var input = SessionInput(budget: 1 << 30)
        var total = 0
        for _ in 0..<64 {
            var read = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
            input.append(&read)
            total += 64 * 1024
            // The decoder skips what it has read (an over-long line), as POP3LineDecoder does.
            input.buffer.moveReaderIndex(forwardBy: input.buffer.readableBytes)
            input.reclaim()
        }
        #expect(total == 4 << 20)
        #expect(input.buffer.capacity <= 256 * 1024, "capacity \(input.buffer.capacity) after 4 MiB went through")
    }

    @Test func aMostlyConsumedBufferIsCompactedKeepingWhatIsLeft() {
        var input = SessionInput(budget: 1 << 30)
        var read = ByteBuffer(string: String(repeating: "a", count: 100_000) + "tail")
        input.append(&read)
        input.buffer.moveReaderIndex(forwardBy: 100_000)
        input.reclaim()
        #expect(input.buffer.readerIndex == 0)
        #expect(String(buffer: input.buffer) == "tail")
    }

    @Test func theBudgetCountsWhatTheSessionAssembledElsewhere() {
        var input = SessionInput(budget: 1000)
        var read = ByteBuffer(repeating: 0, count: 600)
        input.append(&read)
        #expect(!input.isFull())
        #expect(input.isFull(assembled: 400))
    }
}
