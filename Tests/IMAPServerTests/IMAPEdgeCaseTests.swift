import Foundation
import HatoTesting
import MailStore
import Testing

/// Error paths and less common moments: autologout, IMAP4rev2 mode, a mailbox deleted under a
/// session, IDLE ended wrongly, over-long lines, UID EXPUNGE, RENAME INBOX, shutdown.
@Suite struct IMAPEdgeCaseTests {
    static let japanese = "From: Bob <bob@example.test>\r\nSubject: =?UTF-8?B?5pel5pys6Kqe44Gu5Lu25ZCN?=\r\n\r\n本文です\r\n"

    @Test func autologoutBeforeLogin() async throws {
        let fixture = try await IMAPFixture.make(loginTimeout: .seconds(1))
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            c = Conn(int(sys.argv[1])); c.line(); start = time.time()
            print(c.line()); print(c.line() == "", time.time() - start < 5)
            """, arguments: ["\(listener.port)"])
        #expect(result.stdout == "* BYE autologout; no login within 1 seconds\nTrue True\n", "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func imap4rev2ModeAndJapaneseSearch() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages + [Self.japanese])
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            c = Conn(int(sys.argv[1])); c.line(); c.cmd("a0", 'LOGIN "' + sys.argv[2] + '" "' + sys.argv[3] + '"')
            print(c.cmd("a2", "ENABLE IMAP4rev2"))
            sel = c.cmd("a3", "SELECT INBOX"); print([l for l in sel if "RECENT" in l or "LIST" in l])
            print(c.cmd("a1", "SEARCH CHARSET KOI8-R ALL")[-1].split("(")[0])
            c.send('a4 SEARCH CHARSET UTF-8 SUBJECT "日本語"\\r\\n'.encode()); print(c.until("a4"))
            c.send('a5 UID SEARCH BODY "本文"\\r\\n'.encode()); print(c.until("a5"))
            print(c.cmd("a6", "SEARCH SUBJECT nothing-matches"))
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            ['* ENABLED IMAP4rev2', 'a2 OK ENABLE completed']
            ['* LIST (\\\\HasNoChildren) "/" INBOX']
            a1 NO [BADCHARSET 
            ['* ESEARCH (TAG "a4") ALL 4', 'a4 OK SEARCH completed']
            ['* ESEARCH (TAG "a5") UID ALL 4', 'a5 OK UID SEARCH completed']
            ['* ESEARCH (TAG "a6")', 'a6 OK SEARCH completed']

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func mailboxDeletedUnderASessionEndsIt() async throws {
        let fixture = try await IMAPFixture.make()
        _ = try await fixture.store.createMailbox(of: fixture.account.id, named: "Doomed", specialUse: nil)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            port = int(sys.argv[1]); login = 'LOGIN "' + sys.argv[2] + '" "' + sys.argv[3] + '"'
            a = Conn(port); a.line(); a.cmd("a0", login); print(a.cmd("a1", "SELECT Doomed")[-1])
            b = Conn(port); b.line(); b.cmd("b0", login); print(b.cmd("b1", "DELETE Doomed"))
            print(a.line(), repr(a.line()))   # unasked: a1 is between commands
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            a1 OK [READ-WRITE] SELECT completed
            ['b1 OK DELETE completed']
            * BYE the selected mailbox was deleted ''

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func idleEndedWronglyLongLinesUIDExpungeAndRenameInbox() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            c = Conn(int(sys.argv[1])); c.line(); c.cmd("a0", 'LOGIN "' + sys.argv[2] + '" "' + sys.argv[3] + '"')
            c.cmd("a1", "SELECT INBOX")
            c.send("a2 IDLE\\r\\n"); print(c.line()); c.send("NOT DONE\\r\\n"); print(c.until("a2"))
            print(c.cmd("a3", "NOOP " + "x" * 70000))
            print(c.cmd("a4", "STORE 1:3 +FLAGS.SILENT (\\\\Deleted)"))
            print(c.cmd("a5", "UID EXPUNGE 2:3"))
            print(c.cmd("a6", "UID SEARCH DELETED"))
            # The EXPUNGE of the moved message comes from the change feed, with RENAME or at a later
            # command: NOOP until it has (a loaded machine may take more than one).
            r = c.cmd("a7", "RENAME INBOX Saved"); n = 0
            while not any("EXPUNGE" in l for l in r) and n < 50:
                time.sleep(0.2); r += c.cmd("n%d" % n, "NOOP"); n += 1
            print(r[-1].split(" ")[1], [l for l in r if "EXPUNGE" in l])
            print(c.cmd("a9", "STATUS Saved (MESSAGES)"), c.cmd("b1", "STATUS INBOX (MESSAGES UIDNEXT)"))
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            + idling
            ['a2 BAD expected DONE to end IDLE']
            ['a3 BAD [LIMIT] line too long']
            ['a4 OK STORE completed']
            ['* 3 EXPUNGE', '* 2 EXPUNGE', 'a5 OK UID EXPUNGE completed']
            ['* SEARCH 1', 'a6 OK UID SEARCH completed']
            OK ['* 1 EXPUNGE']
            ['* STATUS Saved (MESSAGES 1)', 'a9 OK STATUS completed'] ['* STATUS INBOX (MESSAGES 0 UIDNEXT 4)', 'b1 OK STATUS completed']

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func shutdownSaysByeToOpenSessions() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let client = try Python.start(rawClient + """
            c = Conn(int(sys.argv[1])); c.line(); c.cmd("a0", 'LOGIN "' + sys.argv[2] + '" "' + sys.argv[3] + '"')
            c.cmd("a1", "SELECT INBOX"); c.send("a2 IDLE\\r\\n"); print(c.line(), flush=True)
            print(c.line(), flush=True)
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        let deadline = ContinuousClock.now + .seconds(20)
        while !client.output.contains("+ idling") && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await listener.stop()
        #expect(await client.exit(timeout: 20) == 0)
        #expect(client.output == "+ idling\n* BYE [UNAVAILABLE] server shutting down\n", "\(client.errorOutput)")
        try await fixture.store.close()
    }
}
