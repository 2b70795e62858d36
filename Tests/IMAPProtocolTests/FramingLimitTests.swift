import IMAPProtocol
import NIOCore
import Testing

@Suite struct FramingLimitTests {
    static var small: IMAPLimits {
        var limits = IMAPLimits()
        limits.maxLineLength = 40
        limits.maxLiteralSize = 100
        limits.maxNonSynchronizingLiteralSize = 10
        limits.maxLiteralsPerCommand = 2
        return limits
    }

    @Test func overLongLineIsReportedWithItsTagAndSkipped() {
        let input = "t1 SEARCH " + String(repeating: "X", count: 500) + "\r\nt2 NOOP\r\n"
        let expected: [IMAPCommandEvent] = [
            .error(IMAPCommandError(tag: "t1", kind: .lineTooLong, message: "line too long")),
            .command(.init(tag: "t2", command: .noop)),
        ]
        let bytes = Array(input.utf8)
        #expect(commandEvents(bytes, limits: Self.small) == expected)
        #expect(commandEvents(bytes, cuts: Array(1..<bytes.count), limits: Self.small) == expected)
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            #expect(commandEvents(bytes, cuts: [cut], limits: Self.small) == expected, "cut \(cut)")
        }
    }

    /// The decoder never holds more than the line limit (plus what one read delivered).
    @Test func overLongLineIsNotBuffered() {
        var decoder = IMAPFramingDecoder(limits: Self.small)
        var buffer = ByteBuffer(string: "t1 ")
        #expect(decoder.next(&buffer) == nil)
        var reported = 0
        for _ in 0..<1_000 {
            buffer.writeString(String(repeating: "y", count: 64))
            while let frame = decoder.next(&buffer) {
                if case .lineTooLong(let prefix) = frame { reported += 1; #expect(String(buffer: prefix).hasPrefix("t1 y")) }
            }
            #expect(buffer.readableBytes <= 64 + 41)
        }
        #expect(reported == 1)
    }

    /// A skipped over-long line that ends with a non-synchronizing literal: its octets are
    /// skipped too and the next command is read in sync (RFC 7888 §4).
    @Test func overLongLineEndingInNonSyncLiteralSkipsTheLiteral() {
        let input = "t1 X " + String(repeating: "a", count: 100) + " {5+}\r\nt9 NO\r\nt2 NOOP\r\n"
        #expect(commandEvents(input, limits: Self.small) == [
            .error(IMAPCommandError(tag: "t1", kind: .lineTooLong, message: "line too long")),
            .command(.init(tag: "t2", command: .noop)),
        ])
    }

    @Test func synchronizingLiteralTooLargeIsRefusedBeforeTheData() {
        // The client waits for "+"; after our tagged NO it sends the next command.
        let events = commandEvents("t1 APPEND INBOX {101}\r\nt2 NOOP\r\n", limits: Self.small)
        #expect(events == [
            .error(IMAPCommandError(tag: "t1", kind: .literalTooLarge, message: "literal larger than the limit of 100 octets",
                                    commandName: "APPEND")),
            .command(.init(tag: "t2", command: .noop)),
        ])
    }

    @Test func nonSynchronizingLiteralOverLiteralMinusLimitIsSkipped() {
        let input = "t1 LOGIN {11+}\r\nhello world {3+}\r\nabc\r\nt2 NOOP\r\n"
        // The reply names the LITERAL- bound, not the message size limit (RFC 7888 §5).
        #expect(commandEvents(input, limits: Self.small) == [
            .error(IMAPCommandError(tag: "t1", kind: .literalTooLarge,
                                    message: "non-synchronizing literal larger than 10 octets (LITERAL-); send it as a synchronizing literal",
                                    synchronizing: false, commandName: "LOGIN", overLiteralMinusBound: true)),
            .command(.init(tag: "t2", command: .noop)),
        ])
        var plus = Self.small
        plus.maxNonSynchronizingLiteralSize = nil
        #expect(commandEvents(input, limits: plus) == [
            .command(.init(tag: "t1", command: .login(username: "hello world", password: "abc"))),
            .command(.init(tag: "t2", command: .noop)),
        ])
    }

    /// `{2^63-1+}` and counts past 2^64 cannot be skipped in any useful time: the error says the
    /// server closes (RFC 7888 §4, second choice). A refused one within the command size is
    /// still skipped, and the session reads on in step.
    @Test func nonSynchronizingLiteralBeyondAnyCommandClosesTheConnection() {
        var plus = IMAPLimits()
        plus.maxLiteralSize = 100
        plus.maxNonSynchronizingLiteralSize = nil
        for announced in ["9223372036854775807", "18446744073709551617", "99999999999999999999999999999"] {
            let events = commandEvents("t1 APPEND INBOX {\(announced)+}\r\n", limits: plus)
            guard case .error(let error)? = events.first else {
                Issue.record("\(announced): \(events)")
                continue
            }
            #expect(error.kind == .literalTooLarge && !error.synchronizing && error.closesConnection, "\(announced): \(error)")
        }
        let skipped = commandEvents("t1 APPEND INBOX {150+}\r\n" + String(repeating: "x", count: 150) + "\r\nt2 NOOP\r\n", limits: plus)
        guard case .error(let error)? = skipped.first else { Issue.record("\(skipped)"); return }
        #expect(error.kind == .literalTooLarge && !error.closesConnection, "\(skipped)")
        #expect(skipped.last == .command(.init(tag: "t2", command: .noop)))
        // A synchronizing one is never sent: nothing to skip, nothing to close.
        guard case .error(let sync)? = commandEvents("t1 APPEND INBOX {9223372036854775807}\r\n", limits: plus).first else { return }
        #expect(sync.synchronizing && !sync.closesConnection)
    }

    @Test func tooManyLiterals() {
        let input = "t1 LOGIN {1+}\r\na {1+}\r\nb {1+}\r\nc\r\nt2 NOOP\r\n"
        #expect(commandEvents(input, limits: Self.small) == [
            .error(IMAPCommandError(tag: "t1", kind: .limitExceeded, message: "command too large")),
            .command(.init(tag: "t2", command: .noop)),
        ])
    }

    @Test func manualLiteralDecisions() {
        var decoder = IMAPCommandDecoder(literalDecisions: .manual)
        var buffer = ByteBuffer(string: "A003 APPEND saved-messages (\\Seen) {310}\r\n")
        guard case .literalDecisionRequired(let pending)? = decoder.next(&buffer) else {
            Issue.record("expected a decision")
            return
        }
        #expect(pending.tag == "A003")
        #expect(pending.commandName == "APPEND")
        #expect(pending.header == IMAPLiteralHeader(size: 310, synchronizing: true))
        #expect(String(decoding: pending.textSoFar, as: UTF8.self) == "A003 APPEND saved-messages (\\Seen) ")
        buffer.writeString("A004 NOOP\r\n")
        #expect(decoder.next(&buffer) == nil, "waits for the decision")
        decoder.rejectLiteral()
        #expect(decoder.next(&buffer) == .command(.init(tag: "A004", command: .noop)))

        buffer.writeString("A005 APPEND x {2}\r\n")
        guard case .literalDecisionRequired? = decoder.next(&buffer) else { Issue.record("expected a decision"); return }
        decoder.acceptLiteral()
        buffer.writeString("hi\r\n")
        #expect(decoder.next(&buffer) == .command(.init(tag: "A005", command: .append(IMAPMailboxName("x"), [IMAPAppendMessage(data: ByteBuffer(string: "hi"))]))))
    }

    @Test func authenticateAndIdleModes() {
        var decoder = IMAPCommandDecoder()
        var buffer = ByteBuffer(string: "a1 AUTHENTICATE PLAIN\r\n")
        #expect(decoder.next(&buffer) == .command(.init(tag: "a1", command: .authenticate(mechanism: "PLAIN", initialResponse: nil))))
        decoder.setMode(.authenticationResponse)
        buffer.writeString("AGFsaWNlAHB3\r\n*\r\n{5}\r\n")
        #expect(decoder.next(&buffer) == .authenticationResponse(.data(Array("\0alice\0pw".utf8))))
        #expect(decoder.next(&buffer) == .authenticationResponse(.cancel))
        // no literal recognition in this mode
        #expect(decoder.next(&buffer) == .authenticationResponse(nil))
        decoder.setMode(.command)
        buffer.writeString("a2 IDLE\r\n")
        #expect(decoder.next(&buffer) == .command(.init(tag: "a2", command: .idle)))
        decoder.setMode(.idle)
        buffer.writeString("done\r\na3 IDLE\r\n")
        #expect(decoder.next(&buffer) == .idleEnded(done: true))
        #expect(decoder.next(&buffer) == .command(.init(tag: "a3", command: .idle)), "back in command mode after DONE")
        decoder.setMode(.idle)
        buffer.writeString("a4 NOOP\r\n")
        #expect(decoder.next(&buffer) == .idleEnded(done: false))
    }

    @Test func resetDropsBufferedState() {
        var decoder = IMAPCommandDecoder()
        var buffer = ByteBuffer(string: "a1 LOGIN {3+}\r\nab")
        #expect(decoder.next(&buffer) == nil)
        decoder.reset()
        var fresh = ByteBuffer(string: "a2 NOOP\r\n")
        #expect(decoder.next(&fresh) == .command(.init(tag: "a2", command: .noop)))
    }
}

/// `maxDiscardedOctets` (set once COMPRESS is on): skipping refused input is bounded over the
/// whole session, whatever the read boundaries.
@Suite struct FramingDiscardLimitTests {
    static func events(_ input: String, cuts: [Int] = [], maxDiscarded: Int) -> [IMAPCommandEvent] {
        commandEvents(input, cuts: cuts, limits: FramingLimitTests.small, maxDiscarded: maxDiscarded)
    }

    static let exceeded = IMAPCommandEvent.error(IMAPCommandError(
        tag: nil, kind: .limitExceeded, message: "too much refused input to skip", closesConnection: true))

    @Test func skippingWithinTheBoundGoesOn() {
        let input = "t1 SEARCH " + String(repeating: "X", count: 200) + "\r\nt2 NOOP\r\n"
        for cuts in [[], Array(1..<input.utf8.count)] {
            #expect(Self.events(input, cuts: cuts, maxDiscarded: 1_000) == [
                .error(IMAPCommandError(tag: "t1", kind: .lineTooLong, message: "line too long")),
                .command(.init(tag: "t2", command: .noop)),
            ])
        }
    }

    /// Two over-long lines that fit the bound one by one but not together: the bound is per
    /// session, not per command, and nothing after it is read.
    @Test func skippingPastTheBoundStopsReading() {
        let line = String(repeating: "X", count: 600)
        let input = "t1 SEARCH \(line)\r\nt2 SEARCH \(line)\r\nt3 NOOP\r\n"
        for cuts in [[], Array(stride(from: 1, to: input.utf8.count, by: 13))] {
            #expect(Self.events(input, cuts: cuts, maxDiscarded: 1_000) == [
                .error(IMAPCommandError(tag: "t1", kind: .lineTooLong, message: "line too long")),
                .error(IMAPCommandError(tag: "t2", kind: .lineTooLong, message: "line too long")),
                Self.exceeded,
            ], "cuts \(cuts.count)")
        }
    }

    /// A refused non-synchronizing literal larger than what may still be skipped closes at once.
    @Test func nonSynchronizingLiteralOverTheAllowanceIsNotSkipped() {
        let events = Self.events("t1 APPEND INBOX {5000+}\r\n" + String(repeating: "z", count: 5000) + "\r\nt2 NOOP\r\n",
                                 maxDiscarded: 1_000)
        #expect(events.first == .error(IMAPCommandError(
            tag: "t1", kind: .literalTooLarge, message: "literal larger than the limit of 100 octets", synchronizing: false,
            closesConnection: true, commandName: "APPEND")))
    }
}
