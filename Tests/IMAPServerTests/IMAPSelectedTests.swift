import Foundation
import HatoTesting
import MailStore
import Testing

/// Selected state (RFC 9051 §6.4): FETCH, SEARCH, STORE, COPY, MOVE, EXPUNGE and the untagged
/// updates other sessions cause.
@Suite struct IMAPSelectedTests {
    @Test func fetchSearchStoreCopyMoveExpungeThroughImaplib() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login(sys.argv[2], sys.argv[3])
            def show(r): print(r[0], [x.decode() if isinstance(x, bytes) else x for x in r[1]])
            show(M.select("INBOX"))
            show(M.fetch("1:*", "(UID FLAGS RFC822.SIZE)"))
            typ, data = M.fetch("2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"); print(typ, data[0][1])
            typ, data = M.fetch("1", "(RFC822)"); print(typ, data[0][0].decode(), len(data[0][1]))
            show(M.search(None, "UNSEEN"))
            show(M.search(None, "FROM", "bob"))
            show(M.uid("SEARCH", "BODY", "invoices"))
            show(M.store("2", "+FLAGS", "(\\\\Flagged)"))
            show(M.store("2", "-FLAGS.SILENT", "(\\\\Flagged)"))
            show(M.copy("1:2", "Archive"))
            show(M._simple_command("MOVE", "3", "Trash")); print(M.untagged_responses.pop("EXPUNGE", None))
            show(M.store("1", "+FLAGS", "(\\\\Deleted)"))
            show(M.expunge())
            show(M.select("Archive", readonly=True))
            show(M.store("1", "+FLAGS", "(\\\\Deleted)"))
            show(M.close())
            M.state = "SELECTED"  # imaplib refuses FETCH after CLOSE itself; ask the server anyway
            show(M.fetch("1", "FLAGS"))
            M.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        let sizes = IMAPFixture.messages.map { $0.utf8.count }
        let archive = try #require(try await fixture.store.mailbox(of: fixture.account.id, named: "Archive"))
        let trash = try #require(try await fixture.store.mailbox(of: fixture.account.id, named: "Trash"))
        #expect(result.stdout == """
            OK ['3']
            OK ['1 (UID 1 FLAGS (\\\\Recent) RFC822.SIZE \(sizes[0]))', '2 (UID 2 FLAGS (\\\\Recent) RFC822.SIZE \(sizes[1]))', '3 (UID 3 FLAGS (\\\\Recent) RFC822.SIZE \(sizes[2]))']
            OK b'Subject: two\\r\\n\\r\\n'
            OK 1 (RFC822 {\(sizes[0])} \(sizes[0])
            OK ['2 3']
            OK ['1 3']
            OK ['2']
            OK ['2 (FLAGS (\\\\Flagged \\\\Recent))']
            OK [None]
            OK ['[COPYUID \(archive.uidValidity) 1:2 1:2] COPY completed']
            OK ['MOVE completed']
            [b'3']
            OK ['1 (FLAGS (\\\\Seen \\\\Deleted \\\\Recent))']
            OK ['1']
            OK ['2']
            NO ['[READ-ONLY] mailbox is read-only']
            OK ['CLOSE completed']
            NO ['FETCH needs a selected mailbox; SELECT one first']

            """, "\(result.stderr)")
        #expect(try await fixture.store.messages(in: fixture.inbox.id).map(\.uid) == [2])
        #expect(try await fixture.store.messages(in: trash.id).count == 1)
        #expect(try await fixture.store.messages(in: archive.id).count == 2, "CLOSE after EXAMINE expunges nothing")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// RFC 9051 §7.5.1 / §5.2: each session hears of the others' changes, at the allowed moments.
    /// (Rev1 sessions: a selected first and has the three messages as \Recent; b's APPEND is
    /// recent for b, so a's RECENT count stays 3.)
    @Test func twoSessionsOnOneMailboxSeeEachOthersChanges() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            a = Conn(port); a.line(); a.cmd("a0", 'LOGIN "' + user + '" "' + pw + '"'); a.cmd("a1", "SELECT INBOX")
            b = Conn(port); b.line(); b.cmd("b0", 'LOGIN "' + user + '" "' + pw + '"'); b.cmd("b1", "SELECT INBOX")
            b.cmd("b2", "STORE 1 +FLAGS (\\\\Flagged)")
            b.cmd("b3", "STORE 3 +FLAGS.SILENT (\\\\Deleted)")
            b.send("b4 APPEND INBOX {20}\\r\\n"); b.line(); b.send("Subject: new\\r\\n\\r\\nhi\\r\\n\\r\\n"); b.until("b4")
            time.sleep(0.3)
            print(a.cmd("a2", "FETCH 2 FLAGS"))
            b.cmd("b5", "EXPUNGE")
            time.sleep(0.3)
            print(a.cmd("a3", "FETCH 3 (UID)"))
            print(a.cmd("a4", "NOOP"))
            print(a.cmd("a5", "FETCH 3 (UID)"))
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            ['* 2 FETCH (FLAGS (\\\\Recent))', '* 1 FETCH (FLAGS (\\\\Flagged \\\\Recent))', '* 3 FETCH (FLAGS (\\\\Deleted \\\\Recent))', '* 4 EXISTS', '* 3 RECENT', 'a2 OK FETCH completed']
            ['a3 OK FETCH completed']
            ['* 3 EXPUNGE', 'a4 OK NOOP completed']
            ['* 3 FETCH (UID 4)', 'a5 OK FETCH completed']

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// RFC 2177: an IDLE session hears of a delivery while idling, without sending anything (a
    /// server that waited for DONE would leave the read hanging). The bound is generous on
    /// purpose: latency is measured in scripts/bench-imap.sh, not here.
    @Test func idleIsWokenByADelivery() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let client = try Python.start(rawClient + """
            port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            a = Conn(port); a.line(); a.cmd("a0", 'LOGIN "' + user + '" "' + pw + '"'); a.cmd("a1", "SELECT INBOX")
            a.send("a2 IDLE\\r\\n"); print(a.line(), flush=True)
            sys.stdin.readline(); start = time.time()
            print(a.line(), flush=True)
            print("while idle" if time.time() - start < 10.0 else "late", flush=True)
            a.send("DONE\\r\\n"); print(a.until("a2"))
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        try await client.waitFor(timeout: .seconds(20), "the IDLE continuation") { out, _ in out.contains("+ idling") }
        _ = try await fixture.store.append(AppendRequest(bytes: Array("Subject: pushed\r\n\r\nnow\r\n".utf8)), to: fixture.inbox.id)
        client.write("go\n")
        let status = await client.exit(timeout: 30)
        #expect(status == 0, "\(client.errorOutput)")
        // A rev1 session: the RECENT count follows the EXISTS (the delivery is recent here).
        #expect(client.output == "+ idling\n* 4 EXISTS\nwhile idle\n['* 4 RECENT', 'a2 OK IDLE terminated']\n", "\(client.errorOutput)")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// RFC 7162: CONDSTORE (MODSEQ, UNCHANGEDSINCE, CHANGEDSINCE) and QRESYNC (VANISHED).
    @Test func condstoreAndQresync() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let validity = fixture.inbox.uidValidity
        let result = try await Python.run(rawClient + """
            import re
            port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            c = Conn(port); c.line(); c.cmd("a0", 'LOGIN "' + user + '" "' + pw + '"')
            sel = c.cmd("a1", "SELECT INBOX (CONDSTORE)")
            hms = int(re.search(r"HIGHESTMODSEQ (\\d+)", " ".join(sel)).group(1)); print("modseq", hms > 0)
            r = c.cmd("a2", "STORE 1 (UNCHANGEDSINCE %d) +FLAGS (\\\\Seen)" % hms); print(r[-1], "MODSEQ" in r[0])
            print(c.cmd("a3", "STORE 1 (UNCHANGEDSINCE %d) +FLAGS (\\\\Flagged)" % hms)[-1])
            print(c.cmd("a4", "FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % hms)[0].startswith("* 1 FETCH (FLAGS (\\\\Seen \\\\Recent) MODSEQ ("))
            c.cmd("a5", "STORE 2 +FLAGS.SILENT (\\\\Deleted)"); c.cmd("a6", "EXPUNGE")
            c.cmd("a7", "LOGOUT")
            c = Conn(port); c.line(); c.cmd("b0", 'LOGIN "' + user + '" "' + pw + '"')
            print(c.cmd("b1", "ENABLE QRESYNC"))
            r = c.cmd("b2", "SELECT INBOX (QRESYNC (%s %d 1:3))" % (sys.argv[4], hms))
            print([l for l in r if "VANISHED" in l or "FETCH" in l or l.startswith("b2")])
            print(c.cmd("b3", "UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % hms)[0])
            c.cmd("b4", "STORE 1 +FLAGS.SILENT (\\\\Deleted)")
            print(c.cmd("b5", "EXPUNGE"))
            print(c.cmd("b6", "SEARCH RETURN (MIN MAX COUNT ALL) ALL"))
            print(c.cmd("b7", "UID SEARCH RETURN (SAVE) ALL"), c.cmd("b8", "UID FETCH $ (UID)"))
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password, "\(validity)"])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 10, "\(result.stdout) \(result.stderr)")
        #expect(lines[0] == "modseq True")
        #expect(lines[1] == "a2 OK STORE completed True")
        #expect(lines[2] == "a3 OK [MODIFIED 1] conditional STORE failed for some messages")
        #expect(lines[3] == "True")
        #expect(lines[4] == "['* ENABLED QRESYNC', 'b1 OK ENABLE completed']")
        #expect(lines[5].hasPrefix("['* VANISHED (EARLIER) 2', '* 1 FETCH (UID 1 FLAGS (\\\\Seen) MODSEQ ("))
        #expect(lines[5].hasSuffix("'b2 OK [READ-WRITE] SELECT completed']"))
        #expect(lines[6] == "* VANISHED (EARLIER) 2")
        #expect(lines[7].hasPrefix("['* VANISHED 1', 'b5 OK [HIGHESTMODSEQ "))
        #expect(lines[8] == "['* ESEARCH (TAG \"b6\") MIN 1 MAX 1 ALL 1 COUNT 1', 'b6 OK SEARCH completed']")
        #expect(lines[9] == "['b7 OK UID SEARCH completed'] ['* 1 FETCH (UID 3)', 'b8 OK UID FETCH completed']")
        try await listener.stop()
        try await fixture.store.close()
    }
}
