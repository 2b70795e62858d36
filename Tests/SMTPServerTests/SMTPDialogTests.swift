import Foundation
import HatoTesting
import MailCore
import MailStore
import NIOCore
import Testing

/// The SMTP session without a socket (HatoTesting's `ChannelDialog`): whole commands, one byte
/// per read, a CR and its LF in different reads, and timeouts on a clock that only moves when
/// told. What the client sees and what is stored must not depend on read boundaries.
@Suite struct SMTPDialogTests {
    static let dialog = [
        "EHLO client.remote.test\r\n",
        "MAIL FROM:<sender@remote.test>\r\n",
        "RCPT TO:<alice@example.test>\r\n",
        "RCPT TO:<nobody@example.test>\r\n",
        "DATA\r\n",
        "Subject: split reads\r\n\r\nline one\r\n..dot-stuffed\r\n.\r\n",
        "QUIT\r\n",
    ]

    /// Feeds the dialog with `feed` and returns each reply's last line.
    static func run(_ feed: (ChannelDialog, String) async throws -> Void) async throws -> (replies: [String], stored: [String]) {
        let fixture = try await SMTPFixture.start(profile: .mx)
        let session = try await ChannelDialog(fixture.server)
        var replies = [try await session.line()]
        for command in dialog {
            try await feed(session, command)
            let reply = try await session.until { $0.count >= 4 && Array($0)[3] == " " }
            replies.append(reply.last!)
        }
        let stored = try await fixture.inbox("alice@example.test")
        try await fixture.stop()
        return (replies, stored)
    }

    @Test func theSameDialogWhateverTheReadBoundaries() async throws {
        let whole = try await Self.run { try await $0.send($1) }
        let bytes = try await Self.run { try await $0.drip($1) }
        // CR and LF always in different reads: split just after every CR.
        let crSplit = try await Self.run { session, text in
            for piece in text.split(separator: "\r", omittingEmptySubsequences: false).enumerated() {
                try await session.send((piece.offset > 0 ? "\r" : "") + piece.element)
            }
        }
        #expect(whole.replies.map { String($0.prefix(3)) } == ["220", "250", "250", "250", "550", "354", "250", "221"], "\(whole.replies)")
        #expect(bytes.replies.map { String($0.prefix(9)) } == whole.replies.map { String($0.prefix(9)) })
        #expect(crSplit.replies.map { String($0.prefix(9)) } == whole.replies.map { String($0.prefix(9)) })
        for run in [whole, bytes, crSplit] {
            #expect(run.stored.count == 1)
            #expect(run.stored.first?.hasSuffix("\r\nSubject: split reads\r\n\r\nline one\r\n.dot-stuffed\r\n") == true)
        }
    }

    @Test func bareLineFeedInDataIsRefusedAfterTheFinalDot() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx)
        let session = try await ChannelDialog(fixture.server)
        _ = try await session.line()
        try await session.send("HELO c.test\r\nMAIL FROM:<a@remote.test>\r\n")
        #expect(try await session.lines(2).map { String($0.prefix(3)) } == ["250", "250"])
        try await session.send("RCPT TO:<alice@example.test>\r\nDATA\r\n")
        #expect(try await session.lines(2).map { String($0.prefix(3)) } == ["250", "354"])
        // An attempt at smuggling a second message behind a bare LF dot (CVE-2023-51764 class).
        try await session.drip("Subject: x\r\n\r\nhi\n.\nMAIL FROM:<evil@remote.test>\r\n.\r\n")
        #expect(try await session.line().hasPrefix("554 5.6.0"))
        try await session.send("NOOP\r\n")
        #expect(try await session.line().hasPrefix("250"), "the session goes on")
        #expect(try await fixture.inbox("alice@example.test").isEmpty, "nothing stored, nothing smuggled")
        try await fixture.stop()
    }

    @Test func anIdleClientIsClosedOnTheSessionClock() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx, timeouts: (command: .seconds(5), data: .seconds(5)))
        let session = try await ChannelDialog(fixture.server)
        _ = try await session.line()
        await session.advanceTime(by: .seconds(4))
        try await session.send("NOOP\r\n")
        #expect(try await session.line().hasPrefix("250"))
        await session.advanceTime(by: .seconds(6))
        #expect(try await session.line().hasPrefix("421 4.4.2"))
        await session.advanceTime(by: .seconds(3))  // the linger after the last reply
        #expect(await session.isClosed)
        try await fixture.stop()
    }
}
