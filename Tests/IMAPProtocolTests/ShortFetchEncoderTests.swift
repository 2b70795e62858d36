import NIOCore
import Testing
@testable import IMAPProtocol

/// FETCH responses of UID, FLAGS, RFC822.SIZE and MODSEQ are assembled on the stack
/// (`writeShortFetch`); they must be byte for byte what the item-by-item writer gives.
@Suite struct ShortFetchEncoderTests {
    static let flagLists: [[String]] = [
        [], ["\\Seen"], ["\\Seen", "\\Flagged", "$Forwarded"], ["\\*"], ["bad flag", "\\Seen"], ["\\", "", "ok"],
        ["\\\\", "a\\", "\\*x", "(x)", "ünïcode", "\\Recent"], [String(repeating: "k", count: 300)],
        (0..<40).map { "keyword\($0)" },
    ]

    static func itemByItem(_ number: UInt32, _ items: [IMAPFetchItem]) -> String {
        let encoder = IMAPResponseEncoder()
        var b = ByteBuffer()
        encoder.writeNumber(max(number, 1), into: &b)
        b.writeStaticString(" FETCH (")
        for (i, item) in items.enumerated() {
            if i > 0 { b.writeInteger(UInt8(ascii: " ")) }
            encoder.writeFetchItem(item, into: &b)
        }
        b.writeInteger(UInt8(ascii: ")"))
        return String(buffer: b)
    }

    @Test(arguments: flagLists)
    func sameBytesAsItemByItem(_ flags: [String]) {
        let cases: [(UInt32, [IMAPFetchItem])] = [
            (0, [.uid(0), .flags(flags)]),
            (7, [.flags(flags)]),
            (4_294_967_295, [.uid(4_294_967_295), .modSeq(UInt64.max), .flags(flags), .rfc822Size(123_456)]),
            (12, [.uid(9), .modSeq(10)]),
        ]
        for (number, items) in cases {
            var b = ByteBuffer()
            let short = IMAPResponseEncoder().writeShortFetch(number, items, into: &b)
            let expected = Self.itemByItem(number, items)
            if short {
                #expect(String(buffer: b) == expected)
            } else {
                #expect(b.readableBytes == 0, "nothing written when it falls back")
                #expect(expected.utf8.count > IMAPResponseEncoder.shortFetchCapacity, "only a long response falls back")
            }
            // Through the public encoder: the same line either way.
            #expect(String(buffer: IMAPResponseEncoder().encode(.data(.fetch(number, items)))) == "* " + expected + "\r\n")
        }
    }

    /// `encodeFetch` and `encodeViewFetch` (FETCH 1:* from a session's view) write the whole
    /// line, "* " and CRLF included, in one piece: the same octets as `encode`.
    @Test(arguments: flagLists)
    func framedAndViewFetchSameBytes(_ flags: [String]) {
        let layouts: [[IMAPViewFetchItem]] = [[.uid, .flags], [.flags], [.uid, .modSeq, .flags], [.flags, .uid], [.modSeq], []]
        for number: UInt32 in [0, 1, 200, 4_294_967_295] {
            for layout in layouts {
                let (uid, modSeq): (UInt32, UInt64) = (number == 0 ? 0 : number &+ 17, UInt64(number) * 3 + 1)
                let items: [IMAPFetchItem] = layout.map { item in
                    switch item {
                    case .uid: .uid(uid)
                    case .modSeq: .modSeq(modSeq)
                    case .flags: .flags(flags)
                    }
                }
                let expected = "* " + Self.itemByItem(number, items) + "\r\n"
                var framed = ByteBuffer(string: "before|")
                IMAPResponseEncoder().encodeFetch(number, items, into: &framed)
                #expect(String(buffer: framed) == "before|" + expected)
                var view = ByteBuffer()
                IMAPResponseEncoder().encodeViewFetch(number, layout, uid: uid, modSeq: modSeq, flags: flags, into: &view)
                #expect(String(buffer: view) == expected)
            }
        }
    }

    @Test func otherItemsAreWrittenItemByItem() {
        var b = ByteBuffer()
        #expect(!IMAPResponseEncoder().writeShortFetch(1, [.uid(1), .saveDate(nil)], into: &b))
        #expect(b.readableBytes == 0)
    }
}
