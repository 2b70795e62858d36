import Foundation
import HatoTesting
import MailStore
import Testing

/// Authenticated-state commands (RFC 9051 §6.3) through imaplib, imapclient and raw lines.
@Suite struct IMAPMailboxTests {
    @Test func createListRenameDeleteSubscribeStatusThroughImaplib() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login(sys.argv[2], sys.argv[3])
            def show(r): print(r[0], [x.decode() if isinstance(x, bytes) else x for x in r[1]])
            show(M.create("Work/2026"))
            show(M.create("Work"))
            show(M.list())
            show(M.list('""', "Work/%"))
            show(M.list("Work/", "*"))
            show(M.list('""', '""'))
            show(M.subscribe("Work/2026"))
            show(M.lsub())
            show(M.rename("Work", "Projects"))
            show(M.list('""', "P*"))
            show(M.delete("Projects"))
            show(M.list('""', "P*"))
            show(M.delete("Projects/2026")); show(M.delete("Projects"))
            show(M.delete("INBOX"))
            show(M.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ RECENT APPENDLIMIT)"))
            show(M.status("Nope", "(MESSAGES)"))
            show(M.namespace())
            print(M.getquotaroot("INBOX"))
            show(M.select("Nope"))
            M.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        let inbox = try await fixture.store.status(fixture.inbox.id)
        let size = IMAPFixture.messages.reduce(0) { $0 + $1.utf8.count }
        #expect(IMAPFixture.withoutMailboxIDs(result.stdout) == """
            OK ['CREATE completed']
            NO ['[ALREADYEXISTS] mailbox already exists']
            OK ['(\\\\HasNoChildren) "/" INBOX', '(\\\\HasNoChildren \\\\Archive) "/" Archive', '(\\\\HasNoChildren \\\\Drafts) "/" Drafts', '(\\\\HasNoChildren \\\\Junk) "/" Junk', '(\\\\HasNoChildren \\\\Sent) "/" Sent', '(\\\\HasNoChildren \\\\Trash) "/" Trash', '(\\\\HasChildren) "/" Work', '(\\\\HasNoChildren) "/" Work/2026']
            OK ['(\\\\HasNoChildren) "/" Work/2026']
            OK ['(\\\\HasNoChildren) "/" Work/2026']
            OK ['(\\\\Noselect) "/" ""']
            OK ['SUBSCRIBE completed']
            OK ['() "/" INBOX', '() "/" Archive', '() "/" Drafts', '() "/" Junk', '() "/" Sent', '() "/" Trash', '() "/" Work/2026']
            OK ['RENAME completed']
            OK ['(\\\\HasChildren) "/" Projects', '(\\\\HasNoChildren) "/" Projects/2026']
            OK ['DELETE completed']
            OK ['(\\\\Noselect \\\\HasChildren) "/" Projects', '(\\\\HasNoChildren) "/" Projects/2026']
            OK ['DELETE completed']
            NO ['[NONEXISTENT] no such mailbox']
            NO ['[CANNOT] INBOX cannot be deleted']
            OK ['INBOX (MESSAGES 3 UIDNEXT 4 UIDVALIDITY \(fixture.inbox.uidValidity) UNSEEN 3 DELETED 0 SIZE \(size) HIGHESTMODSEQ \(inbox.mailbox.highestModSeq) RECENT 3 APPENDLIMIT 1048576)']
            NO ['[NONEXISTENT] no such mailbox']
            OK ['(("" "/")) NIL NIL']
            ('OK', [[b'INBOX'], [None]])
            NO ['[NONEXISTENT] no such mailbox']

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func listExtendedStatusSpecialUseAndQuota() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages, quota: Quota(maxBytes: 10 * 1024 * 1024, maxMessages: 100))
        try await fixture.store.setSubscribed(true, account: fixture.account.id, name: "Ghost")
        try await fixture.store.setSubscribed(false, account: fixture.account.id, name: "Junk")
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            c = Conn(int(sys.argv[1])); c.line(); c.cmd("a0", 'LOGIN "' + sys.argv[2] + '" "' + sys.argv[3] + '"')
            for l in c.cmd("a1", 'LIST (SUBSCRIBED) "" "*"'): print(l)
            for l in c.cmd("a2", 'LIST (SPECIAL-USE) "" "*" RETURN (SUBSCRIBED)'): print(l)
            for l in c.cmd("a3", 'LIST "" ("INBOX" "Tr*") RETURN (STATUS (MESSAGES UNSEEN))'): print(l)
            for l in c.cmd("a4", 'CREATE "Stuff" (USE (\\\\Flagged))'): print(l)
            for l in c.cmd("a5", 'CREATE "Other" (USE (\\\\Bogus))'): print(l)
            for l in c.cmd("a6", 'GETQUOTAROOT INBOX'): print(l)
            for l in c.cmd("a7", 'GETQUOTA ""'): print(l)
            for l in c.cmd("a8", 'LIST "" "inbox"'): print(l)
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        let used = IMAPFixture.messages.reduce(0) { $0 + $1.utf8.count } / 1024
        #expect(IMAPFixture.withoutMailboxIDs(result.stdout) == """
            * LIST (\\HasNoChildren \\Subscribed) "/" INBOX
            * LIST (\\HasNoChildren \\Archive \\Subscribed) "/" Archive
            * LIST (\\HasNoChildren \\Drafts \\Subscribed) "/" Drafts
            * LIST (\\NonExistent \\Subscribed) "/" Ghost
            * LIST (\\HasNoChildren \\Sent \\Subscribed) "/" Sent
            * LIST (\\HasNoChildren \\Trash \\Subscribed) "/" Trash
            a1 OK LIST completed
            * LIST (\\HasNoChildren \\Archive \\Subscribed) "/" Archive
            * LIST (\\HasNoChildren \\Drafts \\Subscribed) "/" Drafts
            * LIST (\\HasNoChildren \\Junk) "/" Junk
            * LIST (\\HasNoChildren \\Sent \\Subscribed) "/" Sent
            * LIST (\\HasNoChildren \\Trash \\Subscribed) "/" Trash
            a2 OK LIST completed
            * LIST (\\HasNoChildren) "/" INBOX
            * STATUS INBOX (MESSAGES 3 UNSEEN 3)
            * LIST (\\HasNoChildren \\Trash) "/" Trash
            * STATUS Trash (MESSAGES 0 UNSEEN 0)
            a3 OK LIST completed
            a4 OK CREATE completed
            a5 NO [USEATTR] unsupported special-use attribute
            * QUOTAROOT INBOX ""
            * QUOTA "" (STORAGE \(used) 10240 MESSAGE 3 100)
            a6 OK GETQUOTAROOT completed
            * QUOTA "" (STORAGE \(used) 10240 MESSAGE 3 100)
            a7 OK GETQUOTA completed
            * LIST (\\HasNoChildren) "/" INBOX
            a8 OK LIST completed

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// RFC 3501 §5.1.3 modified UTF-7 for rev1 clients; UTF-8 after ENABLE UTF8=ACCEPT (RFC 9755).
    @Test func japaneseMailboxNamesInModifiedUTF7AndUTF8() async throws {
        let fixture = try await IMAPFixture.make()
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            from imapclient import IMAPClient
            port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            client = IMAPClient("127.0.0.1", port=port, ssl=False); client.login(user, pw)
            client.create_folder("日本語/受信箱")
            print(sorted(f[2] for f in client.list_folders()))
            print(client.select_folder("日本語/受信箱")[b"EXISTS"])
            client.logout()
            c = Conn(port); c.line(); c.cmd("a0", 'LOGIN "' + user + '" "' + pw + '"')
            print(c.cmd("a1", 'LIST "" "&ZeVnLIqe-*"'))
            c.cmd("a2", "ENABLE UTF8=ACCEPT")
            c.send('a3 LIST "" "日本語*"\\r\\n'.encode()); print(c.until("a3"))
            c.send('a4 CREATE "メール"\\r\\n'.encode()); print(c.until("a4"))
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(IMAPFixture.withoutMailboxIDs(result.stdout) == """
            ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash', '日本語', '日本語/受信箱']
            0
            ['* LIST (\\\\HasChildren) "/" &ZeVnLIqe-', '* LIST (\\\\HasNoChildren) "/" &ZeVnLIqe-/&U9dP4Xux-', 'a1 OK LIST completed']
            ['* LIST (\\\\HasChildren) "/" "日本語"', '* LIST (\\\\HasNoChildren) "/" "日本語/受信箱"', 'a3 OK LIST completed']
            ['a4 OK CREATE completed']

            """, "\(result.stderr)")
        #expect(try await fixture.store.mailbox(of: fixture.account.id, named: "メール") != nil)
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func appendWithFlagsDateAndAPPENDUIDAndLimitsRefusedBeforeTheLiteral() async throws {
        let fixture = try await IMAPFixture.make(quota: Quota(maxBytes: 3000), maxMessageSize: 2000)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            import imaplib
            port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            M = imaplib.IMAP4("127.0.0.1", port); M.login(user, pw)
            msg = b"From: a@example.test\\r\\nSubject: appended\\r\\n\\r\\nhello\\r\\n"
            print(M.append("INBOX", "(\\\\Seen $Important)", imaplib.Time2Internaldate(1700000000), msg))
            print(M.append("Nope", None, None, msg))
            M.logout()
            c = Conn(port); c.line(); c.cmd("a0", 'LOGIN "' + user + '" "' + pw + '"')
            c.send("a1 APPEND INBOX {5000}\\r\\n"); print(c.line())
            c.send("a2 APPEND INBOX {1500}\\r\\n"); print(c.line())
            c.send(b"x" * 1500 + b"\\r\\n"); print(c.line())
            c.send("a3 APPEND INBOX {1500}\\r\\n"); print(c.line())
            print(c.cmd("a4", "NOOP"))
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 7, "\(result.stdout) \(result.stderr)")
        #expect(lines[0] == "('OK', [b'[APPENDUID \(fixture.inbox.uidValidity) 1] APPEND completed'])")
        #expect(lines[1] == "('NO', [b'[TRYCREATE] no such mailbox'])")
        #expect(lines[2] == "a1 NO [TOOBIG] literal larger than the limit of 2000 octets")
        #expect(lines[3] == "+ Ready for literal data")
        #expect(lines[4].hasPrefix("a2 OK [APPENDUID \(fixture.inbox.uidValidity) 2]"))
        #expect(lines[5] == "a3 NO [OVERQUOTA] the message would exceed your quota")
        #expect(lines[6] == "['a4 OK NOOP completed']", "the session goes on after a refused literal")
        let stored = try await fixture.store.messages(in: fixture.inbox.id)
        #expect(stored.count == 2)
        #expect(stored.first?.flags.names == ["\\Seen", "$Important"])
        #expect(stored.first.map { Int($0.internalDate.timeIntervalSince1970) } == 1_700_000_000)
        try await listener.stop()
        try await fixture.store.close()
    }
}
