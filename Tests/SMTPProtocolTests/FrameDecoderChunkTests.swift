import NIOCore
import SMTPProtocol
import Testing

@Suite struct FrameDecoderChunkTests {
    /// RFC 3030 §2: exactly the announced octets, whatever they contain (CRLF.CRLF, bare LF,
    /// command-looking text), then command lines again; pipelined chunks follow one another.
    @Test func chunksAreExactOctetCounts() {
        let input = "BDAT 11\r\nab\r\n.\r\nx\ny\rBDAT 0 LAST\r\nQUIT\r\n"
        let result = ScriptedSession.transcript(input)
        #expect(result.disagreements.isEmpty, "\(result.disagreements.prefix(3))")
        #expect(result.events == [
            .line("BDAT 11"), .chunk("ab\r\n.\r\nx\ny\r"), .chunkEnd(last: false),
            .line("BDAT 0 LAST"), .chunkEnd(last: true), .line("QUIT"),
        ])
    }

    @Test func lastChunkWithData() {
        let result = ScriptedSession.transcript("BDAT 3 LAST\r\nabcRSET\r\n")
        #expect(result.disagreements.isEmpty)
        #expect(result.events == [.line("BDAT 3 LAST"), .chunk("abc"), .chunkEnd(last: true), .line("RSET")])
    }

    /// A refused BDAT still has its data read and dropped (RFC 3030 §2 "MUST accept and discard").
    @Test func discardedChunkProducesNoData() {
        let result = ScriptedSession.transcript("BDAT 7\r\nMAIL \r\nNOOP\r\n") { $0.discardChunks = true }
        #expect(result.disagreements.isEmpty)
        #expect(result.events == [.line("BDAT 7"), .chunkEnd(last: false), .line("NOOP")])
    }

    /// A chunk is handed on as it arrives, never accumulated.
    @Test func largeChunkIsStreamed() {
        var decoder = SMTPFrameDecoder()
        var buffer = ByteBuffer(string: "BDAT 1000000 LAST\r\n")
        #expect(decoder.decode(buffer: &buffer) == .line(ByteBuffer(string: "BDAT 1000000 LAST")))
        decoder.beginChunk(size: 1_000_000, last: true)
        var received = 0
        var ends: [Bool] = []
        for _ in 0..<100 {
            buffer.writeBytes(Array(repeating: UInt8(ascii: "q"), count: 10_000))
            while let frame = decoder.decode(buffer: &buffer) {
                switch frame {
                case .chunk(let piece): received += piece.readableBytes
                case .chunkEnd(let last): ends.append(last)
                default: Issue.record("unexpected \(frame)")
                }
            }
            #expect(buffer.readableBytes == 0)
        }
        #expect(received == 1_000_000)
        #expect(ends == [true])
        #expect(decoder.mode == .commands)
    }

    /// RFC 3207 §4.2, CVE-2011-0411: commands pipelined after STARTTLS in plaintext are dropped.
    @Test func startTLSDiscardsPipelinedPlaintext() {
        var decoder = SMTPFrameDecoder()
        var buffer = ByteBuffer(string: "EHLO a\r\nSTARTTLS\r\nRSET\r\nMAIL FROM:<evil@x>\r\nDA")
        #expect(decoder.decode(buffer: &buffer) == .line(ByteBuffer(string: "EHLO a")))
        #expect(decoder.decode(buffer: &buffer) == .line(ByteBuffer(string: "STARTTLS")))
        #expect(decoder.decode(buffer: &buffer) == nil)  // held: nothing read past STARTTLS
        #expect(decoder.discardBufferedInput(&buffer) == 28)
        #expect(buffer.readableBytes == 0)
        buffer.writeString("EHLO a\r\n")  // what arrives through TLS
        #expect(decoder.decode(buffer: &buffer) == .line(ByteBuffer(string: "EHLO a")))
    }

    /// Discarding also forgets a half-skipped over-long line and any DATA state.
    @Test func discardResetsAllState() {
        var decoder = SMTPFrameDecoder(limits: SMTPLimits(maxCommandLineLength: 512))
        var buffer = ByteBuffer(string: String(repeating: "x", count: 600))
        #expect(decoder.decode(buffer: &buffer) == nil)
        decoder.discardBufferedInput(&buffer)
        buffer.writeString("QUIT\r\n")
        #expect(decoder.decode(buffer: &buffer) == .line(ByteBuffer(string: "QUIT")))

        decoder.beginData()
        buffer.writeString("half a message")
        _ = decoder.decode(buffer: &buffer)
        decoder.discardBufferedInput(&buffer)
        #expect(decoder.mode == .commands)
        buffer.writeString(".\r\n")
        #expect(decoder.decode(buffer: &buffer) == .line(ByteBuffer(string: ".")))
    }
}
