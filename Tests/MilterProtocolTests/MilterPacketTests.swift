import MilterProtocol
import Testing

/// Framing (mfdef.h: 4-octet big-endian length including the command octet) and reply grammar.
@Suite struct MilterPacketTests {
    /// Reply packets as libmilter writes them, used as fuzz seeds too (Fuzz/HatoFuzz/seeds/milter-reply).
    static let replies: [(MilterPacket, MilterReply)] = [
        (MilterPacket(code: UInt8(ascii: "c")), .continue),
        (MilterPacket(code: UInt8(ascii: "a")), .accept),
        (MilterPacket(code: UInt8(ascii: "r")), .reject),
        (MilterPacket(code: UInt8(ascii: "t")), .tempfail),
        (MilterPacket(code: UInt8(ascii: "d")), .discard),
        (MilterPacket(code: UInt8(ascii: "s")), .skip),
        (MilterPacket(code: UInt8(ascii: "p")), .progress),
        (MilterPacket(code: UInt8(ascii: "y"), data: Array("554 5.7.1 Go away\0".utf8)), .replyCode(code: 554, text: "554 5.7.1 Go away")),
        (MilterPacket(code: UInt8(ascii: "y"), data: Array("451-4.7.1 one\r\n451 4.7.1 two\0".utf8)),
         .replyCode(code: 451, text: "451-4.7.1 one\r\n451 4.7.1 two")),
        (MilterPacket(code: UInt8(ascii: "h"), data: Array("X-Spam\0yes\0".utf8)), .modification(.addHeader(name: "X-Spam", value: "yes"))),
        (MilterPacket(code: UInt8(ascii: "m"), data: [0, 0, 0, 2] + Array("Subject\0new\0".utf8)),
         .modification(.changeHeader(index: 2, name: "Subject", value: "new"))),
        (MilterPacket(code: UInt8(ascii: "i"), data: [0, 0, 0, 0] + Array("X-First\0v\n\tw\0".utf8)),
         .modification(.insertHeader(index: 0, name: "X-First", value: "v\n\tw"))),
        (MilterPacket(code: UInt8(ascii: "+"), data: Array("<a@example.org>\0".utf8)), .modification(.addRecipient("<a@example.org>", parameters: nil))),
        (MilterPacket(code: UInt8(ascii: "2"), data: Array("<a@example.org>\0NOTIFY=NEVER\0".utf8)),
         .modification(.addRecipient("<a@example.org>", parameters: "NOTIFY=NEVER"))),
        (MilterPacket(code: UInt8(ascii: "-"), data: Array("<b@example.org>\0".utf8)), .modification(.deleteRecipient("<b@example.org>"))),
        (MilterPacket(code: UInt8(ascii: "e"), data: Array("<c@example.org>\0".utf8)), .modification(.changeFrom("<c@example.org>", parameters: nil))),
        (MilterPacket(code: UInt8(ascii: "b"), data: Array("new body\r\n".utf8)), .modification(.replaceBody(Array("new body\r\n".utf8)))),
        (MilterPacket(code: UInt8(ascii: "q"), data: Array("virus\0".utf8)), .modification(.quarantine("virus"))),
        (MilterPacket(code: UInt8(ascii: "O"), data: [0, 0, 0, 6, 0, 0, 0, 0x21, 0, 0, 0, 0x10] + [0, 0, 0, 2] + Array("{mail_addr} i\0".utf8)),
         .negotiate(MilterNegotiation(version: 6, actions: [.addHeaders, .quarantine], protocolFlags: [.noBody],
                                      macroLists: [.mail: ["{mail_addr}", "i"]]))),
    ]

    @Test func decodesEveryReply() throws {
        for (packet, reply) in Self.replies {
            #expect(try MilterReply.decode(packet) == reply)
        }
    }

    /// The same packets come out whole, one octet at a time, and in uneven splits.
    @Test func framingSurvivesAnySplit() throws {
        let stream = Self.replies.flatMap { $0.0.encoded }
        for split in [stream.count, 1, 3, 7] {
            var decoder = MilterPacketDecoder(maxPacketSize: 1 << 16)
            var packets: [MilterPacket] = []
            var offset = 0
            while offset < stream.count {
                decoder.append(stream[offset..<min(offset + split, stream.count)])
                offset += split
                while let packet = try decoder.next() { packets.append(packet) }
            }
            #expect(packets == Self.replies.map(\.0))
            #expect(decoder.buffered == 0)
        }
    }

    @Test func refusesBadLengthsBeforeBuffering() {
        var decoder = MilterPacketDecoder(maxPacketSize: 1024)
        decoder.append([0, 0, 4, 1, UInt8(ascii: "b")])
        #expect(throws: MilterProtocolError.badPacketLength(1025)) { try decoder.next() }
        var empty = MilterPacketDecoder(maxPacketSize: 1024)
        empty.append([0, 0, 0, 0])
        #expect(throws: MilterProtocolError.badPacketLength(0)) { try empty.next() }
    }

    @Test func refusesMalformedReplies() {
        let bad: [MilterPacket] = [
            MilterPacket(code: UInt8(ascii: "Z")),
            MilterPacket(code: UInt8(ascii: "h"), data: Array("X-No-NUL\0value".utf8)),
            MilterPacket(code: UInt8(ascii: "h"), data: Array("Bad:Name\0v\0".utf8)),
            MilterPacket(code: UInt8(ascii: "h"), data: Array("X-Smuggle\0a\r\nBcc: x\0".utf8)),
            MilterPacket(code: UInt8(ascii: "m"), data: [0, 0]),
            MilterPacket(code: UInt8(ascii: "y"), data: Array("250 ok\0".utf8)),
            MilterPacket(code: UInt8(ascii: "y"), data: Array("55x no\0".utf8)),
            MilterPacket(code: UInt8(ascii: "O"), data: [0, 0, 0, 6]),
        ]
        for packet in bad {
            #expect(throws: MilterProtocolError.self) { try MilterReply.decode(packet) }
        }
        let big = MilterPacket(code: UInt8(ascii: "h"), data: Array("X-Big\0".utf8) + Array(repeating: UInt8(ascii: "a"), count: 100) + [0])
        #expect(throws: MilterProtocolError.limitExceeded("header field of 105 octets")) {
            try MilterReply.decode(big, limits: MilterLimits(maxHeaderSize: 64))
        }
    }

    /// Commands as Postfix's milter8.c writes them.
    @Test func encodesCommands() {
        #expect(MilterCommand.negotiate(version: 6, actions: [.addHeaders, .changeBody], protocolFlags: [.noHelo]).packet.encoded
            == [0, 0, 0, 13, UInt8(ascii: "O"), 0, 0, 0, 6, 0, 0, 0, 3, 0, 0, 0, 2])
        #expect(MilterCommand.connect(hostname: "[192.0.2.1]", family: .inet, port: 25, address: "192.0.2.1").packet.data
            == Array("[192.0.2.1]\0".utf8) + [UInt8(ascii: "4"), 0, 25] + Array("192.0.2.1\0".utf8))
        #expect(MilterCommand.macros(for: .mail, [("i", "Q1"), ("{mail_addr}", "a@b")]).packet.data
            == [UInt8(ascii: "M")] + Array("i\0Q1\0{mail_addr}\0a@b\0".utf8))
        #expect(MilterCommand.mail("<a@b>", parameters: ["SIZE=10"]).packet.data == Array("<a@b>\0SIZE=10\0".utf8))
        #expect(MilterCommand.header(name: "Subject", value: "hi\0there").packet.data == Array("Subject\0hi\0".utf8))
        #expect(MilterCommand.body(Array("x\r\n".utf8)).packet.encoded == [0, 0, 0, 4, UInt8(ascii: "B")] + Array("x\r\n".utf8))
        #expect(MilterCommand.endOfMessage.packet.encoded == [0, 0, 0, 1, UInt8(ascii: "E")])
    }
}
