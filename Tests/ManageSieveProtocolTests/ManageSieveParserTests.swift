import ManageSieveProtocol
import NIOCore
import Testing

/// The command grammar (RFC 5804 §2, §4) and the response encoder.
@Suite struct ManageSieveParserTests {
    static func parse(_ text: String) throws(ManageSieveParseError) -> ManageSieveCommand {
        var decoder = ManageSieveFrameDecoder(maxLineLength: 4096, maxLiteralSize: 4096)
        var buffer = ByteBuffer(string: text)
        guard case .command(let frame)? = decoder.next(&buffer) else { throw .empty }
        return try ManageSieveParser.parse(frame)
    }

    @Test func everyCommand() throws {
        #expect(try Self.parse("authenticate \"PLAIN\" \"AGEAYg==\"\r\n") == .authenticate(mechanism: "PLAIN", initialResponse: "AGEAYg=="))
        #expect(try Self.parse("Authenticate \"SCRAM-SHA-256\"\r\n") == .authenticate(mechanism: "SCRAM-SHA-256", initialResponse: nil))
        #expect(try Self.parse("STARTTLS\r\n") == .startTLS)
        #expect(try Self.parse("HAVESPACE \"main\" 1234\r\n") == .haveSpace(name: "main", size: 1234))
        #expect(try Self.parse("PUTSCRIPT \"main\" {7+}\r\nkeep;\r\n\r\n") == .putScript(name: "main", script: "keep;\r\n"))
        #expect(try Self.parse("SETACTIVE \"\"\r\n") == .setActive(name: ""))
        #expect(try Self.parse("RENAMESCRIPT \"a\\\"b\" \"c\\\\d\"\r\n") == .renameScript(from: "a\"b", to: "c\\d"))
        #expect(try Self.parse("CHECKSCRIPT {3}\r\n日\r\n") == .checkScript(script: "日"))
        #expect(try Self.parse("NOOP \"STARTTLS-SYNC-42\"\r\n") == .noop(tag: "STARTTLS-SYNC-42"))
        #expect(try Self.parse("GETSCRIPT \"請求書\"\r\n") == .getScript(name: "請求書"))
    }

    @Test func preciseErrors() {
        #expect(throws: ManageSieveParseError.unknownCommand("FROB")) { try Self.parse("FROB\r\n") }
        #expect(throws: ManageSieveParseError.syntax("Invalid character in command")) { try Self.parse("\u{1B}[31m\r\n") }
        #expect(throws: ManageSieveParseError.syntax("PUTSCRIPT takes a script name and the script")) { try Self.parse("PUTSCRIPT \"a\"\r\n") }
        #expect(throws: ManageSieveParseError.syntax("Unterminated quoted string")) { try Self.parse("GETSCRIPT \"abc\r\n") }
        #expect(throws: ManageSieveParseError.syntax("Number out of range")) { try Self.parse("HAVESPACE \"a\" 99999999999\r\n") }
        #expect(throws: ManageSieveParseError.syntax("HAVESPACE takes a script name and a size")) { try Self.parse("HAVESPACE \"a\" \"9\"\r\n") }
        #expect(throws: ManageSieveParseError.syntax("Arguments must be separated by a space")) { try Self.parse("GETSCRIPT \"a\"\"b\"\r\n") }
        #expect(throws: ManageSieveParseError.syntax("Literal is not UTF-8")) {
            var decoder = ManageSieveFrameDecoder(maxLineLength: 512, maxLiteralSize: 64)
            var buffer = ByteBuffer(bytes: Array("CHECKSCRIPT {2+}\r\n".utf8) + [0xFF, 0xFE] + [13, 10])
            guard case .command(let frame)? = decoder.next(&buffer) else { return }
            _ = try ManageSieveParser.parse(frame)
        }
        #expect(throws: ManageSieveParseError.empty) { try Self.parse("\r\n") }
    }

    @Test func saslResponsesAreOneString() throws {
        var decoder = ManageSieveFrameDecoder(maxLineLength: 512, maxLiteralSize: 64)
        var buffer = ByteBuffer(string: "\"*\"\r\n{4+}\r\nAAAA\r\nAAAA\r\n")
        guard case .command(let first)? = decoder.next(&buffer), case .command(let second)? = decoder.next(&buffer),
              case .command(let third)? = decoder.next(&buffer) else { Issue.record("three frames"); return }
        #expect(try ManageSieveParser.saslResponse(first) == "*")
        #expect(try ManageSieveParser.saslResponse(second) == "AAAA")
        #expect(throws: ManageSieveParseError.self) { try ManageSieveParser.saslResponse(third) }
    }

    @Test func responsesQuoteOrUseLiterals() {
        var buffer = ByteBuffer()
        ManageSieveResponse.status(.no, code: .nonexistent, text: "no \"x\\y\"", into: &buffer)
        ManageSieveResponse.status(.ok, code: .tag("t"), text: nil, into: &buffer)
        ManageSieveResponse.status(.bye, code: .quotaMaxSize, text: "two\r\nlines", into: &buffer)
        ManageSieveResponse.capability("SASL", "PLAIN", into: &buffer)
        ManageSieveResponse.capability("STARTTLS", nil, into: &buffer)
        #expect(buffer.readString(length: buffer.readableBytes) == """
            NO (NONEXISTENT) "no \\"x\\\\y\\""\r\nOK (TAG "t")\r\nBYE (QUOTA/MAXSIZE) {10}\r\ntwo\r\nlines\r\n"SASL" "PLAIN"\r\n"STARTTLS"\r\n
            """)
    }

    @Test func scriptNamesFollowRFC5804Section1_6() {
        #expect(ManageSieveScriptName.problem("請求書 filter") == nil)
        #expect(ManageSieveScriptName.problem("") != nil)
        #expect(ManageSieveScriptName.problem("a\u{7}b") != nil)
        #expect(ManageSieveScriptName.problem("a\u{2028}b") != nil)
        #expect(ManageSieveScriptName.problem("a/b") != nil)
        #expect(ManageSieveScriptName.problem(String(repeating: "x", count: 256)) != nil)
    }
}
