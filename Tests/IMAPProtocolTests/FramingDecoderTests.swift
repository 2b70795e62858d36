import IMAPProtocol
import NIOCore
import NIOTestUtils
import Testing

@Suite struct FramingDecoderTests {
    /// A session's worth of input: plain lines, a bare LF, synchronizing, non-synchronizing and
    /// binary literals, a literal followed by more arguments, MULTIAPPEND.
    static let session = Array((
        "a1 CAPABILITY\r\n" +
        "a2 LOGIN {5}\r\nalice {6+}\r\nsec\r\nt\r\n" +
        "a3 SELECT INBOX\n" +
        "a4 APPEND Drafts (\\Seen) {12}\r\nhello\r\nworld ~{3}\r\na\0b\r\n" +
        "a5 SEARCH CHARSET UTF-8 SUBJECT {3+}\r\n\u{65e5}\r\n" +
        "a6 LOGOUT\r\n").utf8)

    static func expectedSession() -> [IMAPCommandEvent] {
        [
            .command(.init(tag: "a1", command: .capability)),
            .continuationRequest,
            .command(.init(tag: "a2", command: .login(username: "alice", password: "sec\r\nt"))),
            .command(.init(tag: "a3", command: .select(.inbox, .init()))),
            .continuationRequest,
            .continuationRequest,
            .command(.init(tag: "a4", command: .append(IMAPMailboxName("Drafts"), [
                IMAPAppendMessage(flags: ["\\Seen"], data: buffer("hello\r\nworld")),
                IMAPAppendMessage(data: buffer("a\0b"), binary: true),
            ]))),
            .command(.init(tag: "a5", command: .search(IMAPSearchCommand(charset: "UTF-8", keys: [.subject(Array("\u{65e5}".utf8))]), uid: false))),
            .command(.init(tag: "a6", command: .logout)),
        ]
    }

    @Test func allAtOnce() {
        #expect(commandEvents(Self.session) == Self.expectedSession())
    }

    @Test func oneByteAtATime() {
        #expect(commandEvents(Self.session, cuts: Array(1..<Self.session.count)) == Self.expectedSession())
    }

    /// Every two-way split, so every CR is separated from its LF once and every literal is cut
    /// at every offset.
    @Test func everySplit() {
        for cut in 0...Self.session.count {
            #expect(commandEvents(Self.session, cuts: [cut]) == Self.expectedSession(), "cut at \(cut)")
        }
    }

    @Test func randomSplits() {
        var rng = SplitMix(state: 42)
        for _ in 0..<300 {
            let count = Int.random(in: 1...12, using: &rng)
            let cuts = (0..<count).map { _ in Int.random(in: 0...Self.session.count, using: &rng) }
            #expect(commandEvents(Self.session, cuts: cuts) == Self.expectedSession(), "cuts \(cuts)")
        }
    }

    @Test func framesAreTheSameForEverySplit() {
        let reference = frames(Self.session, cuts: [])
        #expect(reference.count == 24) // 1 + 8 (a2) + 1 + 9 (a4) + 4 (a5) + 1
        for cut in 0...Self.session.count {
            #expect(frames(Self.session, cuts: [cut]) == reference)
        }
    }

    @Test func literalHeaderFormsAndNonLiterals() {
        let input = Array("a {0}\r\n x{12a}\r\ny {5-}\r\nz ~{2+}\r\nab\r\n".utf8)
        #expect(frames(input, cuts: []) == [
            .linePart(buffer("a "), literal: IMAPLiteralHeader(size: 0, synchronizing: true)),
            .continuationRequest,
            .literalEnd,
            .linePart(buffer(" x{12a}"), literal: nil),
            // RFC 7888 has no "{n-}" form: LITERAL- still uses "{n+}"; this is plain text.
            .linePart(buffer("y {5-}"), literal: nil),
            .linePart(buffer("z "), literal: IMAPLiteralHeader(size: 2, synchronizing: false, binary: true)),
            .literalData(buffer("ab")),
            .literalEnd,
            .linePart(buffer(""), literal: nil),
        ])
    }

    /// The decoder verifier from NIOTestUtils: same output for every way of feeding the input.
    @Test func byteToMessageDecoderVerifier() throws {
        let input = "a1 NOOP\r\na2 LOGIN {3+}\r\nbob pw\r\na3 FETCH 1:* (FLAGS)\r\n"
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [(input, [
                .command(.init(tag: "a1", command: .noop)),
                .command(.init(tag: "a2", command: .login(username: "bob", password: "pw"))),
                .command(.init(tag: "a3", command: .fetch(.ranges([.init(.number(1), .last)]), [.flags], .init(), uid: false))),
            ])],
            decoderFactory: { IMAPCommandDecoder() })
    }
}
