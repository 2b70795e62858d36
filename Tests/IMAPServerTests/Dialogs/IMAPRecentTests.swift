import HatoTesting
import MailStore
import Testing

/// RFC 3501 §2.3.2 \Recent for IMAP4rev1 sessions: recent in exactly one session (the first
/// told of the message), `* n RECENT` at SELECT/EXAMINE and with new mail, STATUS (RECENT),
/// SEARCH RECENT/NEW/OLD, COPY/MOVE/APPEND into the selected mailbox; EXAMINE takes nothing
/// away (§6.3.2); IMAP4rev2 sessions neither see nor take it (RFC 9051 dropped it).
@Suite struct IMAPRecentTests {
    static func open(_ fixture: IMAPFixture) async throws -> ChannelDialog {
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        return dialog
    }

    /// NOOP until `isDone` holds for what was heard (the change feed is asynchronous).
    static func noopUntil(_ dialog: ChannelDialog, _ isDone: ([String]) -> Bool) async throws -> [String] {
        var heard: [String] = []
        for n in 0..<200 where !isDone(heard) {
            heard += try await dialog.command("w\(n)", "NOOP").dropLast()
            if !isDone(heard) { try await Task.sleep(for: .milliseconds(10)) }
        }
        return heard
    }

    @Test func recentIsOneSessionsAndEveryRev1FormShowsIt() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let status = try await Self.open(fixture)
        #expect(try await status.command("c1", "STATUS INBOX (MESSAGES RECENT)")
                == ["* STATUS INBOX (MESSAGES 3 RECENT 3)", "c1 OK STATUS completed"], "delivered, nobody told yet")

        // EXAMINE shows them recent and leaves them so (RFC 3501 §6.3.2).
        let examiner = try await Self.open(fixture)
        #expect(try await examiner.command("e1", "EXAMINE INBOX").contains("* 3 RECENT"))
        #expect(try await examiner.command("e2", "FETCH 1 FLAGS") == ["* 1 FETCH (FLAGS (\\Recent))", "e2 OK FETCH completed"])
        #expect(try await status.command("c2", "STATUS INBOX (RECENT)") == ["* STATUS INBOX (RECENT 3)", "c2 OK STATUS completed"])

        // The first SELECT takes them; a second session is told none are recent.
        let a = try await Self.open(fixture)
        #expect(try await a.command("a1", "SELECT INBOX").contains("* 3 RECENT"))
        let b = try await Self.open(fixture)
        let bSelect = try await b.command("b1", "SELECT INBOX")
        #expect(bSelect.contains("* 3 EXISTS") && bSelect.contains("* 0 RECENT"), "\(bSelect)")
        #expect(try await a.command("a2", "FETCH 1:3 FLAGS") == [
            "* 1 FETCH (FLAGS (\\Recent))", "* 2 FETCH (FLAGS (\\Recent))", "* 3 FETCH (FLAGS (\\Recent))", "a2 OK FETCH completed",
        ])
        #expect(try await b.command("b2", "FETCH 1 FLAGS") == ["* 1 FETCH (FLAGS ())", "b2 OK FETCH completed"])
        #expect(try await status.command("c3", "STATUS INBOX (RECENT)") == ["* STATUS INBOX (RECENT 0)", "c3 OK STATUS completed"])

        // SEARCH RECENT / NEW (recent and unseen) / OLD (not recent), RFC 3501 §6.4.4.
        _ = try await a.command("a3", "STORE 1 +FLAGS.SILENT (\\Seen)")
        #expect(try await a.command("a4", "SEARCH RECENT") == ["* SEARCH 1 2 3", "a4 OK SEARCH completed"])
        #expect(try await a.command("a5", "SEARCH NEW") == ["* SEARCH 2 3", "a5 OK SEARCH completed"])
        #expect(try await a.command("a6", "SEARCH OLD") == ["* SEARCH", "a6 OK SEARCH completed"])
        // (b also hears a's \Seen as a FETCH, whenever the feed brings it: only SEARCH is looked at.)
        #expect(try await b.command("b3", "SEARCH OLD").filter { !$0.contains("FETCH") } == ["* SEARCH 1 2 3", "b3 OK SEARCH completed"])
        #expect(try await b.command("b4", "SEARCH RECENT").filter { !$0.contains("FETCH") } == ["* SEARCH", "b4 OK SEARCH completed"])
        // STORE cannot change \Recent (RFC 3501 §2.3.2), and the echo keeps showing it.
        #expect(try await a.command("a7", "STORE 2 -FLAGS (\\Recent)") == ["* 2 FETCH (FLAGS (\\Recent))", "a7 OK STORE completed"])

        // New mail with both selected: exactly one of them is told it is recent.
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: new\r\n\r\nfour\r\n".utf8)), to: fixture.inbox.id)
        let heardA = try await Self.noopUntil(a) { $0.contains("* 4 EXISTS") }
        let heardB = try await Self.noopUntil(b) { $0.contains("* 4 EXISTS") }
        let counts = [heardA, heardB].map { lines in lines.first { $0.hasSuffix(" RECENT") } }
        #expect(Set(counts) == ["* 4 RECENT", "* 0 RECENT"] || Set(counts) == ["* 3 RECENT", "* 1 RECENT"], "\(heardA) \(heardB)")

        // APPEND into the selected mailbox: recent for the session that appended, not the other.
        let message = "Subject: mine\r\n\r\nfive\r\n"
        let recentBefore = try await a.command("a8", "SEARCH RECENT").first!.split(separator: " ").count - 2
        try await a.send("a9 APPEND INBOX {\(message.utf8.count)+}\r\n\(message)\r\n")
        let appended = try await a.tagged("a9")
        #expect(appended.prefix(2) == ["* 5 EXISTS", "* \(recentBefore + 1) RECENT"], "\(appended)")
        #expect(try await a.command("a10", "FETCH 5 FLAGS") == ["* 5 FETCH (FLAGS (\\Recent))", "a10 OK FETCH completed"])
        let heardB5 = try await Self.noopUntil(b) { $0.contains("* 5 EXISTS") }
        #expect(try await b.command("b5", "FETCH 5 FLAGS") == ["* 5 FETCH (FLAGS ())", "b5 OK FETCH completed"], "\(heardB5)")
        _ = try await b.command("b6", "LOGOUT")

        // COPY and MOVE into the selected mailbox: the copies are recent here (RFC 3501 §6.4.7).
        let copied = try await a.command("a11", "COPY 1 INBOX")
        #expect(copied.prefix(2) == ["* 6 EXISTS", "* \(recentBefore + 2) RECENT"], "\(copied)")
        #expect(try await a.command("a12", "FETCH 6 FLAGS") == ["* 6 FETCH (FLAGS (\\Seen \\Recent))", "a12 OK FETCH completed"])
        let moved = try await a.command("a13", "MOVE 6 INBOX")
        #expect(moved.dropFirst().prefix(3) == ["* 6 EXPUNGE", "* 6 EXISTS", "* \(recentBefore + 2) RECENT"], "\(moved)")
        #expect(try await a.command("a14", "UID FETCH 7 FLAGS") == ["* 6 FETCH (UID 7 FLAGS (\\Seen \\Recent))", "a14 OK UID FETCH completed"])
        _ = try await a.command("a15", "LOGOUT")
        try await fixture.store.close()
    }

    /// RFC 9051 dropped \Recent: an IMAP4rev2 session gets no RECENT response and no \Recent
    /// flag, and takes nothing from rev1 sessions.
    @Test func imap4rev2SessionsNeitherSeeNorTakeIt() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let rev2 = try await Self.open(fixture)
        _ = try await rev2.command("r0", "ENABLE IMAP4rev2")
        let selected = try await rev2.command("r1", "SELECT INBOX")
        #expect(!selected.contains { $0.contains("RECENT") }, "\(selected)")
        #expect(try await rev2.command("r2", "FETCH 1 FLAGS") == ["* 1 FETCH (FLAGS ())", "r2 OK FETCH completed"])
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: new\r\n\r\nfour\r\n".utf8)), to: fixture.inbox.id)
        let heard = try await Self.noopUntil(rev2) { $0.contains("* 4 EXISTS") }
        #expect(heard == ["* 4 EXISTS"])
        let rev1 = try await Self.open(fixture)
        #expect(try await rev1.command("s1", "STATUS INBOX (RECENT)") == ["* STATUS INBOX (RECENT 4)", "s1 OK STATUS completed"])
        #expect(try await rev1.command("s2", "SELECT INBOX").contains("* 4 RECENT"))
        try await fixture.store.close()
    }
}
