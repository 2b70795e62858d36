import NIOCore
import NIOTestUtils
import SMTPProtocol
import Testing

@Suite struct FrameDecoderLineTests {
    /// swift-nio's verifier: drip-fed, many at once, each alone (lines that do not hold).
    @Test func nioVerifier() throws {
        let limits = SMTPLimits(maxCommandLineLength: 512)
        let long = String(repeating: "x", count: 600)
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                ("EHLO client.example\r\n", [.line(ByteBuffer(string: "EHLO client.example"))]),
                ("MAIL FROM:<a@b.example>\r\n", [.line(ByteBuffer(string: "MAIL FROM:<a@b.example>"))]),
                ("\r\n", [.line(ByteBuffer())]),
                ("NOOP\n", [.bareLineFeed]),
                ("NO\rOP\r\n", [.line(ByteBuffer(string: "NO\rOP"))]),
                ("NOOP \(long)\r\n", [.lineTooLong]),
                ("DATAX\r\n", [.line(ByteBuffer(string: "DATAX"))]),
            ],
            decoderFactory: { SMTPFrameDecoder(limits: limits) }
        )
    }

    @Test func everyFeedGivesTheSameLines() {
        let input = "EHLO a.example\r\nMAIL FROM:<x@y.example>\r\nRCPT TO:<p@q.example>\r\nNOOP\nRSET\r\n\r\nQUIT\r\n"
        let result = ScriptedSession.transcript(input)
        #expect(result.disagreements.isEmpty, "\(result.disagreements.prefix(3))")
        #expect(result.events == [
            .line("EHLO a.example"), .line("MAIL FROM:<x@y.example>"), .line("RCPT TO:<p@q.example>"),
            .bareLineFeed, .line("RSET"), .line(""), .line("QUIT"),
        ])
    }

    /// The limit counts the CRLF (RFC 5321 §4.5.3.1.4): 510 octets of text is the longest at 512.
    @Test func limitIncludesCRLF() {
        let limits = SMTPLimits(maxCommandLineLength: 512)
        let fits = "NOOP " + String(repeating: "a", count: 505)
        let over = fits + "b"
        let result = ScriptedSession.transcript("\(fits)\r\n\(over)\r\nQUIT\r\n", limits: limits)
        #expect(result.disagreements.isEmpty, "\(result.disagreements.prefix(3))")
        #expect(result.events == [.line(fits), .lineTooLong, .line("QUIT")])
    }

    @Test func configuredLimitIsNeverBelow512() {
        #expect(SMTPLimits(maxCommandLineLength: 10).maxCommandLineLength == 512)
        #expect(SMTPLimits().maxCommandLineLength == 4096)
    }

    /// An over-long line is dropped as it arrives: the buffer never holds more than the limit.
    @Test func overflowIsNotBuffered() {
        var decoder = SMTPFrameDecoder(limits: SMTPLimits(maxCommandLineLength: 512))
        var buffer = ByteBuffer()
        var frames: [SMTPFrame] = []
        for _ in 0..<1000 {
            buffer.writeString(String(repeating: "z", count: 100))
            while let frame = decoder.decode(buffer: &buffer) { frames.append(frame) }
            #expect(buffer.readableBytes <= 512)
        }
        buffer.writeString("\r\nQUIT\r\n")
        while let frame = decoder.decode(buffer: &buffer) { frames.append(frame) }
        #expect(frames == [.lineTooLong, .line(ByteBuffer(string: "QUIT"))])
    }

    /// A line that ends in a bare LF after overflowing is still one overflow, then in sync.
    @Test func overflowEndedByBareLF() {
        let limits = SMTPLimits(maxCommandLineLength: 512)
        let result = ScriptedSession.transcript(String(repeating: "y", count: 700) + "\nRSET\r\n", limits: limits)
        #expect(result.disagreements.isEmpty)
        #expect(result.events == [.lineTooLong, .line("RSET")])
    }

    /// RFC 4954 §4: AUTH lines and SASL responses may reach 12288 octets.
    @Test func authLinesHaveTheLongerLimit() {
        let limits = SMTPLimits(maxCommandLineLength: 512)
        let response = String(repeating: "QUFB", count: 1000)
        var session = ScriptedSession(limits: limits)
        session.feed(Array("AUTH PLAIN \(response)\r\n".utf8))
        session.feed(Array("\(response)\r\n".utf8))  // not announced: a command line
        session.decoder.expectSASLResponse()
        session.feed(Array("\(response)\r\n".utf8))
        session.feed(Array("\(response)\r\n".utf8))  // only the next line was a SASL response
        #expect(session.events == [.line("AUTH PLAIN \(response)"), .lineTooLong, .line(response), .lineTooLong])
    }

    /// After DATA, BDAT or STARTTLS the decoder waits for the session before reading further.
    @Test(arguments: ["DATA", "data", "BDAT 5", "STARTTLS", "StartTLS x"])
    func holdsAfterFramingCommands(_ command: String) {
        var decoder = SMTPFrameDecoder()
        var buffer = ByteBuffer(string: "\(command)\r\nQUIT\r\n")
        #expect(decoder.decode(buffer: &buffer) == .line(ByteBuffer(string: command)))
        #expect(decoder.mode == .held)
        #expect(decoder.decode(buffer: &buffer) == nil)
        #expect(buffer.readableBytes == 6)
        decoder.continueCommands()
        #expect(decoder.decode(buffer: &buffer) == .line(ByteBuffer(string: "QUIT")))
    }

    @Test(arguments: ["DATAX", "BDATA", "STARTTLSX", "MAIL FROM:<data@x>", " DATA"])
    func doesNotHoldOtherwise(_ command: String) {
        var decoder = SMTPFrameDecoder()
        var buffer = ByteBuffer(string: "\(command)\r\n")
        #expect(decoder.decode(buffer: &buffer) == .line(ByteBuffer(string: command)))
        #expect(decoder.mode == .commands)
    }

    @Test func partialLineAtEOFIsDropped() throws {
        var decoder = SMTPFrameDecoder()
        var buffer = ByteBuffer(string: "QUIT\r\nNOO")
        #expect(decoder.decodeLast(buffer: &buffer, seenEOF: true) == .line(ByteBuffer(string: "QUIT")))
        #expect(decoder.decodeLast(buffer: &buffer, seenEOF: true) == nil)
    }
}
