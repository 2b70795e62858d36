import IMAPProtocol
import NIOCore
import Testing

/// What the encoder writes, the parser reads back to the same value.
@Suite struct RoundTripTests {
    static let names = ["INBOX", "Sent Mail", "日本語/下書き", "a\"b\\c", "Tom & Jerry", "NIL", "", "x]y", "%*", "100%",
                        String(repeating: "長い", count: 700), "tab\there"]

    /// Encodes `name` in a STATUS response, then sends the same octets back in a SELECT.
    private func roundTrip(_ name: String, _ encoding: IMAPTextEncoding) -> IMAPMailboxName? {
        let wire = String(buffer: IMAPResponseEncoder(encoding: encoding).encode(.data(.status(IMAPMailboxName(name), []))))
        let mailbox = wire.dropFirst("* STATUS ".count).dropLast(" ()\r\n".count)
        let events = commandEvents(Array(("a SELECT " + mailbox + "\r\n").utf8), encoding: encoding)
        guard case .command(let c)? = events.last, case .select(let decoded, _) = c.command else { return nil }
        return decoded
    }

    @Test(arguments: names)
    func mailboxNames(_ name: String) {
        #expect(roundTrip(name, .imap4rev1) == IMAPMailboxName(name))
        #expect(roundTrip(name, .utf8Accepted) == IMAPMailboxName(name))
    }

    @Test func idParameters() throws {
        let params: [IMAPIDParameter] = [.init(key: "name", value: "a \"b\" \\c"), .init(key: "os", value: nil),
                                         .init(key: "x", value: "line\r\nbreak"), .init(key: "名前", value: "値")]
        for encoding in [IMAPTextEncoding.imap4rev1, .utf8Accepted] {
            let wire = String(buffer: IMAPResponseEncoder(encoding: encoding).encode(.data(.id(params))))
            let events = commandEvents(Array(("a " + wire.dropFirst(2)).utf8), encoding: encoding)
            #expect(events.last == .command(.init(tag: "a", command: .id(params))))
        }
    }

    @Test func dateTimes() {
        var rng = SplitMix(state: 3)
        for _ in 0..<200 {
            let seconds = Int64.random(in: 0...4_102_444_800, using: &rng)
            let zone = Int.random(in: -(14 * 60)...(14 * 60), using: &rng)
            let date = IMAPDateTime(secondsSince1970: seconds, zoneMinutes: zone)
            #expect(date.secondsSince1970 == seconds)
            let wire = String(buffer: IMAPResponseEncoder().encode(.data(.fetch(1, [.internalDate(date)]))))
            let quoted = wire.dropFirst("* 1 FETCH (INTERNALDATE ".count).dropLast(")\r\n".count)
            let events = commandEvents("a APPEND x \(quoted) {1+}\r\nm\r\n")
            #expect(events == [.command(.init(tag: "a", command: .append(IMAPMailboxName("x"), [IMAPAppendMessage(internalDate: date, data: buffer("m"))])))], "\(quoted)")
        }
    }

    @Test func sequenceSets() throws {
        let set = IMAPSequenceSet.ranges([IMAPSequenceRange(.number(1), .number(5)), IMAPSequenceRange(.last, .number(9)), IMAPSequenceRange(12)])
        let wire = String(buffer: IMAPResponseEncoder().encode(.data(.vanished(earlier: false, set))))
        let text = wire.dropFirst("* VANISHED ".count).dropLast(1) // "\r\n" is one Character
        #expect(try parse("a UID EXPUNGE \(text)") == .uidExpunge(set))
        #expect(set.resolved(star: 20) == [1...5, 9...20])
        #expect(IMAPSequenceSet.ranges([IMAPSequenceRange(.number(4), .number(2)), IMAPSequenceRange(5), IMAPSequenceRange(.number(10), .number(7))]).resolved(star: 1) == [2...5, 7...10])
    }

    @Test func saslBase64() {
        for length in 0..<10 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 200) }
            let text = IMAPSASLResponse.encodeBase64(bytes)
            #expect(IMAPSASLResponse.parse(ByteBuffer(string: text)) == .data(bytes))
            #expect(IMAPSASLResponse.decodeInitialResponse(text.isEmpty ? "=" : text) == bytes)
        }
        #expect(IMAPSASLResponse.parse(ByteBuffer(string: "abc")) == nil)
        #expect(IMAPSASLResponse.parse(ByteBuffer(string: "ab=c")) == nil)
        #expect(IMAPSASLResponse.parse(ByteBuffer(string: "YQ==YQ==")) == nil)
    }
}
