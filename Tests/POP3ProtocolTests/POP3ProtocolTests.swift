import NIOCore
import POP3Protocol
import Testing

@Suite struct POP3ParserTests {
    @Test func parsesCommands() throws {
        #expect(try POP3Parser.parse("user alice@example.test") == .user("alice@example.test"))
        #expect(try POP3Parser.parse("PASS with spaces in it") == .pass("with spaces in it"))
        #expect(try POP3Parser.parse("LIST") == .list(nil))
        #expect(try POP3Parser.parse("list 3") == .list(3))
        #expect(try POP3Parser.parse("TOP 1 10") == .top(1, lines: 10))
        #expect(try POP3Parser.parse("AUTH plain dGVzdA==") == .auth(mechanism: "PLAIN", initialResponse: "dGVzdA=="))
        #expect(try POP3Parser.parse("AUTH") == .auth(mechanism: nil, initialResponse: nil))
        #expect(try POP3Parser.parse("uidl") == .uidl(nil))
    }

    @Test(arguments: ["", "RETR", "RETR x", "RETR -1", "LIST 1 2", "TOP 1", "STAT now", "USER", "XYZZY", "DELE ١"])
    func rejects(_ line: String) {
        #expect(throws: POP3ParseError.self) { try POP3Parser.parse(line) }
    }
}

@Suite struct POP3ResponseTests {
    @Test func byteStuffsAndTerminates() {
        var buffer = ByteBuffer()
        POP3Response.stuffedMessage(Array("a\r\n.b\r\n..c\r\nend".utf8), into: &buffer)
        #expect(buffer.readString(length: buffer.readableBytes) == "a\r\n..b\r\n...c\r\nend\r\n.\r\n")
    }

    @Test func topReturnsHeaderAndNLines() {
        let message = Array("A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n".utf8)
        #expect(String(decoding: POP3Response.top(message, lines: 2), as: UTF8.self) == "A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n")
        #expect(String(decoding: POP3Response.top(message, lines: 0), as: UTF8.self) == "A: 1\r\nB: 2\r\n\r\n")
        #expect(POP3Response.top(message, lines: 99).count == message.count)
    }

    @Test func errorWithCode() {
        var buffer = ByteBuffer()
        POP3Response.error("locked", code: .inUse, into: &buffer)
        #expect(buffer.readString(length: buffer.readableBytes) == "-ERR [IN-USE] locked\r\n")
    }

    /// RFC 2449 §4: at most 512 octets including CRLF, cut at a character boundary; a control
    /// character never reaches the wire (a CR or LF would end the line early).
    @Test func statusLinesAreOneBoundedLine() {
        var buffer = ByteBuffer()
        POP3Response.error(String(repeating: "é", count: 600) + "\r\n+OK forged\u{1B}", into: &buffer)
        let line = buffer.readBytes(length: buffer.readableBytes) ?? []
        #expect(line.count <= 512 && line.count >= 510)
        #expect(Array(line.suffix(2)) == [0x0D, 0x0A] && !line.dropLast(2).contains { $0 < 0x20 })
        #expect(String(validatingUTF8: line.map { CChar(bitPattern: $0) } + [0]) != nil, "cut between characters")
        POP3Response.ok("a\rb\nc\u{0}d", into: &buffer)
        #expect(buffer.readString(length: buffer.readableBytes) == "+OK a?b?c?d\r\n")
    }

    @Test func unknownKeywordsAreEchoedOnlyWhenPrintable() {
        #expect(throws: POP3ParseError.unknownCommand("XYZZY")) { try POP3Parser.parse("xyzzy") }
        #expect(throws: POP3ParseError.unknownCommand("")) { try POP3Parser.parse("X\u{1B}[2J") }
        #expect(throws: POP3ParseError.unknownCommand("")) { try POP3Parser.parse(String(repeating: "A", count: 3000)) }
    }
}

@Suite struct POP3LineDecoderTests {
    /// Every split of the input gives the same lines (a CR and its LF in different reads too).
    @Test func dripFed() throws {
        let input = Array("USER a\r\nPASS b c\r\nSTAT\nQUIT\r\n".utf8)
        for split in 0...input.count {
            var decoder = POP3LineDecoder(maxLineLength: 300)
            var buffer = ByteBuffer()
            var lines: [POP3LineDecoder.POP3Line] = []
            for chunk in [input[..<split], input[split...]] {
                buffer.writeBytes(chunk)
                while let line = try decoder.nextLine(&buffer) { lines.append(line) }
            }
            #expect(lines == [.line("USER a"), .line("PASS b c"), .line("STAT"), .line("QUIT")], "split at \(split)")
        }
    }

    @Test func overLongLineIsReportedOnceAndSkipped() throws {
        var decoder = POP3LineDecoder(maxLineLength: 255)
        var buffer = ByteBuffer()
        var lines: [POP3LineDecoder.POP3Line] = []
        for _ in 0..<10 {
            buffer.writeString(String(repeating: "x", count: 100))
            while let line = try decoder.nextLine(&buffer) { lines.append(line) }
        }
        buffer.writeString("\r\nNOOP\r\n")
        while let line = try decoder.nextLine(&buffer) { lines.append(line) }
        #expect(lines == [.tooLong, .line("NOOP")])
        #expect(buffer.readableBytes == 0)
    }

    /// Found by Fuzz/HatoFuzz (pop3): a line of exactly the limit was refused when its CR arrived
    /// in one segment and its LF in the next, and accepted when both came together.
    @Test func lineOfExactlyTheLimitIsAcceptedWhateverTheSegmentation() throws {
        let text = "TOP " + String(repeating: "Q", count: 251)
        for split in [text.utf8.count, text.utf8.count + 1, text.utf8.count + 2] {
            var decoder = POP3LineDecoder(maxLineLength: 255)
            let bytes = Array((text + "\r\nNOOP\r\n").utf8)
            var buffer = ByteBuffer(bytes: bytes[..<split])
            var lines: [POP3LineDecoder.POP3Line] = []
            while let line = try decoder.nextLine(&buffer) { lines.append(line) }
            buffer.writeBytes(bytes[split...])
            while let line = try decoder.nextLine(&buffer) { lines.append(line) }
            #expect(lines == [.line(text), .line("NOOP")], "split at \(split)")
        }
    }
}
