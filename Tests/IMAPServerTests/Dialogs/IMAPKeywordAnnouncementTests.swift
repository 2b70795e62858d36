import HatoTesting
import Testing

/// RFC 3501 §7.2.6 / RFC 9051 §7.3.5: a keyword that comes into use in the selected mailbox is
/// announced with FLAGS and PERMANENTFLAGS before any FETCH carries it (clients that keep a
/// label list, such as Thunderbird's tags, rely on it).
@Suite struct IMAPKeywordAnnouncementTests {
    static let system = "\\Seen \\Answered \\Flagged \\Deleted \\Draft"

    static func announcement(_ keywords: String) -> [String] {
        ["* FLAGS (\(system) \(keywords))", "* OK [PERMANENTFLAGS (\(system) \(keywords) \\*)] flags permitted"]
    }

    /// STORE in this session, STORE in another, APPEND with a keyword, COPY of a message with one.
    /// (Rev1 sessions: session a selected INBOX first, so its messages are \Recent there.)
    @Test func keywordsAreAnnouncedBeforeTheFetchThatCarriesThem() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let (a, _) = try await ChannelDialog.imap(fixture)
        let (b, _) = try await ChannelDialog.imap(fixture)
        try await a.login()
        try await b.login()
        let selected = try await a.command("s", "SELECT INBOX")
        #expect(selected.contains("* FLAGS (\(Self.system))"))
        _ = try await b.command("s", "SELECT INBOX")

        let own = try await a.command("a1", "STORE 1 +FLAGS (Work)")
        #expect(own == Self.announcement("Work") + ["* 1 FETCH (FLAGS (Work \\Recent))", "a1 OK STORE completed"])
        #expect(try await a.command("a2", "STORE 2 +FLAGS (work)") == ["* 2 FETCH (FLAGS (work \\Recent))", "a2 OK STORE completed"],
                "keywords compare without case: announced once")

        _ = try await b.command("b1", "STORE 3 +FLAGS ($Label1)")
        var heard: [String] = []
        for n in 0..<100 where !heard.contains(where: { $0.contains("$Label1") }) {
            heard += try await a.command("n\(n)", "NOOP").dropLast()
            if heard.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(heard == Self.announcement("$Label1 Work") + ["* 3 FETCH (FLAGS ($Label1 \\Recent))"])

        let message = "Subject: tagged\r\n\r\nbody\r\n"
        try await a.send("a3 APPEND INBOX (\\Seen Urgent) {\(message.utf8.count)+}\r\n\(message)\r\n")
        let appended = try await a.tagged("a3")
        #expect(Array(appended.prefix(4)) == Self.announcement("$Label1 Urgent Work") + ["* 4 EXISTS", "* 4 RECENT"], "\(appended)")
        #expect(try await a.command("a4", "FETCH 4 FLAGS") == ["* 4 FETCH (FLAGS (\\Seen Urgent \\Recent))", "a4 OK FETCH completed"])

        _ = try await a.command("c1", "CREATE Other")
        _ = try await b.command("b2", "SELECT Other")
        #expect(try await b.command("b3", "APPEND Other (Invoice) {\(message.utf8.count)+}\r\n\(message)").last?.contains("OK") == true)
        _ = try await b.command("b4", "COPY 1 INBOX")
        var copied: [String] = []
        for n in 0..<100 where !copied.contains(where: { $0.contains("EXISTS") }) {
            copied += try await a.command("m\(n)", "NOOP").dropLast()
            if copied.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(copied == Self.announcement("$Label1 Invoice Urgent Work") + ["* 5 EXISTS", "* 5 RECENT"])
        try await fixture.store.close()
    }
}
