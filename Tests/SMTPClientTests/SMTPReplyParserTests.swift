import NIOCore
import Testing
@testable import SMTPClient

/// The reply framing alone, drip-fed: every split of the input gives the same replies.
@Suite struct SMTPReplyParserTests {
    static let ehlo = "250-mx.example.org Hello\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n250-AUTH=LOGIN PLAIN\r\n250-auth LOGIN PLAIN\r\n250-8BITMIME\r\n250-bad_keyword\r\n250 ENHANCEDSTATUSCODES\r\n"

    func parseAll(_ text: String, splits: [Int], lineLength: Int = 512, lines: Int = 100) throws -> [SMTPClientReply] {
        var parser = SMTPReplyParser(maxLineLength: lineLength, maxLines: lines)
        var buffer = ByteBuffer()
        var replies: [SMTPClientReply] = []
        let bytes = Array(text.utf8)
        var start = 0
        for end in (splits + [bytes.count]) where end >= start {
            buffer.writeBytes(bytes[start..<min(end, bytes.count)])
            start = min(end, bytes.count)
            while let reply = try parser.next(from: &buffer) { replies.append(reply) }
        }
        #expect(buffer.readableBytes == 0 && !parser.isInsideReply)
        return replies
    }

    @Test func dripFedMultiLineRepliesParseTheSameEverywhere() throws {
        let text = "220 mx.example.org ESMTP\r\n" + Self.ehlo + "550 5.1.1 <x@y>: Recipient address rejected\r\n354 go\n"
        let whole = try parseAll(text, splits: [])
        #expect(whole.count == 4)
        #expect(try parseAll(text, splits: Array(0...text.utf8.count)) == whole, "one byte at a time")
        for cut in 1..<text.utf8.count { #expect(try parseAll(text, splits: [cut]) == whole, "split at \(cut)") }

        #expect(whole[0] == SMTPClientReply(code: 220, lines: ["mx.example.org ESMTP"]))
        #expect(whole[1].lines.count == 8 && whole[1].code == 250)
        #expect(whole[2] == SMTPClientReply(code: 550, enhancedCode: "5.1.1", lines: ["<x@y>: Recipient address rejected"]))
        #expect(whole[2].isPermanent && !whole[2].isPositive && whole[2].description == "550 5.1.1 <x@y>: Recipient address rejected")
        #expect(whole[3] == SMTPClientReply(code: 354, lines: ["go"]), "bare LF accepted")
    }

    @Test func enhancedCodesOnlyWhenTheyAgreeWithTheReply() throws {
        let replies = try parseAll("250 2.0.0 OK\r\n451-4.3.0 first\r\n451-4.3.0 second\r\n451 4.3.0 third\r\n250 1.2.3 not a code\r\n550 4.1.1 disagrees\r\n334 2.0.0 base64\r\n250\r\n", splits: [])
        #expect(replies[0].enhancedCode == "2.0.0" && replies[0].text == "OK")
        #expect(replies[1].lines == ["first", "second", "third"] && replies[1].enhancedCode == "4.3.0" && replies[1].isTransient)
        #expect(replies[2].enhancedCode == nil && replies[2].text == "1.2.3 not a code")
        #expect(replies[3].enhancedCode == nil)
        #expect(replies[4].enhancedCode == nil, "never on 3xx (RFC 2034 §4)")
        #expect(replies[5] == SMTPClientReply(code: 250, lines: [""]))
    }

    @Test func limitsAndMalformedLinesAreErrors() {
        #expect(throws: SMTPReplyParser.Failure.self) { try parseAll("220 " + String(repeating: "x", count: 600), splits: []) }
        #expect(throws: SMTPReplyParser.Failure(description: "reply line longer than 512 octets")) {
            try parseAll("220 " + String(repeating: "x", count: 600) + "\r\n", splits: [100])
        }
        #expect(throws: SMTPReplyParser.Failure(description: "reply longer than 3 lines")) {
            try parseAll("250-a\r\n250-b\r\n250-c\r\n250 d\r\n", splits: [], lines: 3)
        }
        for bad in ["600 no\r\n", "160 no\r\n", "2\r\n", "25 \r\n", "250x\r\n", "abc\r\n", "\r\n"] {
            #expect(throws: SMTPReplyParser.Failure.self, "\(bad.debugDescription)") { try parseAll(bad, splits: []) }
        }
        #expect(throws: SMTPReplyParser.Failure(description: "reply code changed from 250 to 550 inside a multi-line reply")) {
            try parseAll("250-a\r\n550 b\r\n", splits: [])
        }
    }

    @Test func randomInputEndsInRepliesOrAFailureNeverACrash() {
        var generator = SplitMix64(seed: 0x5EED)
        let alphabet = Array("2345-0 \r\n.x".utf8) + [0, 0x80, 0xFF]
        for _ in 0..<500 {
            var parser = SMTPReplyParser(maxLineLength: 64, maxLines: 4)
            var buffer = ByteBuffer(bytes: (0..<Int(generator.next() % 300)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            do {
                while let reply = try parser.next(from: &buffer) {
                    #expect((200...599).contains(reply.code) && reply.lines.count <= 4)
                }
            } catch {
                continue
            }
            #expect(buffer.readableBytes < 64, "without a failure, only an unfinished short line is left")
        }
    }

    @Test func scramAttributesKeepEqualsSignsInValues() {
        #expect(SMTPClientConnection.scramAttributes("r=abc,s=QSXCR+Q6sek8bf92==,i=4096,x=") ==
                ["r": "abc", "s": "QSXCR+Q6sek8bf92==", "i": "4096", "x": ""])
    }

    @Test func controlCharactersInTextBecomeSpaces() throws {
        let reply = try #require(try parseAll("250 a\u{0}b\u{1B}c\td\r\n", splits: []).first)
        #expect(reply.text == "a b c\td")
    }

    @Test func capabilitiesFromAnEHLOReply() throws {
        let reply = try #require(try parseAll(Self.ehlo, splits: []).first)
        let capabilities = SMTPServerCapabilities(ehloReply: reply)
        #expect(capabilities.serverName == "mx.example.org")
        #expect(capabilities.pipelining && capabilities.eightBitMIME && capabilities.enhancedStatusCodes)
        #expect(!capabilities.startTLS && !capabilities.dsn && !capabilities.smtpUTF8 && !capabilities.chunking)
        #expect(capabilities.maxMessageSize == 35882577)
        #expect(capabilities.authMechanisms == ["LOGIN", "PLAIN", "LOGIN", "PLAIN"])
        #expect(!capabilities.supports("BAD_KEYWORD"))
        #expect(SMTPServerCapabilities(ehloReply: SMTPClientReply(code: 250, lines: ["x", "SIZE"])).maxMessageSize == nil)
        #expect(SMTPServerCapabilities(ehloReply: SMTPClientReply(code: 250, lines: ["x", "SIZE 0"])).maxMessageSize == nil, "0: no fixed maximum")
    }
}

/// A small deterministic generator so random cases repeat run after run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
