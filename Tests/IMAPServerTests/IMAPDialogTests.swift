import Foundation
import HatoTesting
import NIOCore
import Testing

/// The IMAP session without a socket (HatoTesting's `ChannelDialog`): literals split across
/// reads, commands one byte per read, and the autologout on a clock that only moves when told.
@Suite struct IMAPDialogTests {
    static let commands = [
        "a1 LOGIN {\(IMAPFixture.user.utf8.count)}\r\n",
        "\(IMAPFixture.user) \"\(IMAPFixture.password)\"\r\n",
        "a2 SELECT INBOX\r\n",
        "a3 APPEND INBOX {27+}\r\nSubject: new\r\n\r\nappended\r\n\r\n",
        "a4 FETCH 4 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n",
        "a5 LOGOUT\r\n",
    ]

    /// Feeds every command with `feed` and returns the tagged (or continuation) lines.
    static func run(_ feed: (ChannelDialog, String) async throws -> Void) async throws -> [String] {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let session = try await ChannelDialog(fixture.server)
        var seen = [try await session.line()]
        for command in commands {
            try await feed(session, command)
            let lines = try await session.until { $0.hasPrefix("a") || $0.hasPrefix("+ ") }
            seen += lines.filter { $0.hasPrefix("a") || $0.hasPrefix("+ ") || $0.contains("Subject") }
        }
        try await fixture.store.close()
        return seen
    }

    @Test func theSameDialogWhateverTheReadBoundaries() async throws {
        let whole = try await Self.run { try await $0.send($1) }
        let bytes = try await Self.run { try await $0.drip($1) }
        #expect(whole.first?.hasPrefix("* OK") == true)
        let tagged = whole.dropFirst().map { String($0.prefix(5)) }
        #expect(tagged == ["+ Rea", "a1 OK", "a2 OK", "a3 OK", "Subje", "a4 OK", "a5 OK"], "\(whole)")
        #expect(bytes.dropFirst().map { String($0.prefix(5)) } == tagged)
        #expect(whole.contains("Subject: new"))
    }

    @Test func autologoutBeforeLoginOnTheSessionClock() async throws {
        let fixture = try await IMAPFixture.make(loginTimeout: .seconds(30))
        let session = try await ChannelDialog(fixture.server)
        _ = try await session.line()
        // Bytes do not restart the login deadline (one a "second" here).
        for byte in "a1 CAPABILITY".utf8 {
            try await session.send(String(UnicodeScalar(byte)))
            await session.advanceTime(by: .seconds(3))
        }
        #expect(try await session.line().hasPrefix("* BYE"))
        await session.advanceTime(by: .seconds(3))  // the linger after the last reply
        #expect(await session.isClosed)
        try await fixture.store.close()
    }
}
