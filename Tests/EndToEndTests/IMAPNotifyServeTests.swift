import Foundation
import HatoTesting
import Testing

/// RFC 5465 NOTIFY against `hato serve`: connection A (a raw socket: no Python client speaks
/// NOTIFY) selects Work and asks for the selected mailbox's events and the personal namespace's;
/// B delivers over SMTP (smtplib) into INBOX and works with imaplib: flags, APPEND into Work,
/// CREATE, RENAME, SUBSCRIBE, SETMETADATA, DELETE, EXPUNGE. A reads each notification off the
/// socket (with a timeout) without sending a command.
@Suite(.heavy) struct IMAPNotifyServeTests {
    @Test func notificationsArriveWithoutACommand() async throws {
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            """, accounts: [("alice@example.test", "long enough pw")])
        let result = try await Python.run(#"""
            import imaplib, re, smtplib, socket, sys
            smtp, port = int(sys.argv[1]), int(sys.argv[2])
            imaplib.Commands["SETMETADATA"] = ("AUTH", "SELECTED")
            B = imaplib.IMAP4("127.0.0.1", port); B.login("alice@example.test", "long enough pw")
            B.create("Work")

            s = socket.create_connection(("127.0.0.1", port), timeout=60)
            f = s.makefile("rb")
            def line():
                l = f.readline()
                if not l: raise SystemExit("connection closed")
                return re.sub(r"UIDVALIDITY \d+", "UIDVALIDITY v", l.decode().rstrip("\r\n"))
            def command(tag, text):
                s.sendall((tag + " " + text + "\r\n").encode()); out = []
                while True:
                    l = line(); out.append(l)
                    if l.startswith(tag + " "): return out
            def heard(n=1):
                s.settimeout(30)  # a notification arrives on its own, or the test fails
                out = [line() for _ in range(n)]
                s.settimeout(60)
                return out
            line()
            command("a", "LOGIN alice@example.test \"long enough pw\"")
            print("NOTIFY" in command("c", "CAPABILITY")[0].split())
            command("e", "ENABLE IMAP4rev2")
            command("s", "SELECT Work")
            for l in command("n", "NOTIFY SET STATUS (selected (MessageNew (UID FLAGS) MessageExpunge FlagChange)) "
                                  "(personal (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange "
                                  "MailboxMetadataChange ServerMetadataChange))"):
                print(l)

            m = smtplib.SMTP("127.0.0.1", smtp)
            m.sendmail("friend@remote.test", ["alice@example.test"], b"Subject: over smtp\r\n\r\nhi\r\n"); m.quit()
            print("smtp", heard())
            B.select("INBOX"); B.store("1", "+FLAGS", "(\\Seen)")
            print("seen", heard())
            B.append("Work", None, None, b"Subject: work\r\n\r\nto do\r\n")
            print("work", heard(2))
            B.create("Projects"); print("create", heard())
            B.rename("Projects", "Done"); print("rename", heard())
            B.subscribe("Done"); print("subscribe", heard())
            B._simple_command("SETMETADATA", "Done", '(/private/comment "hello")'); print("metadata", heard())
            B._simple_command("SETMETADATA", '""', "(/shared/comment NIL)"); print("server", heard())
            B.delete("Done"); print("delete", heard())
            B.store("1", "+FLAGS", "(\\Deleted)"); B.expunge(); print("expunge", heard())
            print(command("z", "NOTIFY NONE"))
            B.append("INBOX", None, None, b"Subject: later\r\n\r\nx\r\n")
            print(command("y", "NOOP"))
            command("q", "LOGOUT"); B.logout()
            """#, arguments: [try served.port("smtp"), try served.port("imap")], timeout: 120)
        #expect(result.stdout == #"""
            True
            * STATUS INBOX (MESSAGES 0 UIDNEXT 1 UIDVALIDITY v UNSEEN 0)
            * STATUS Archive (MESSAGES 0 UIDNEXT 1 UIDVALIDITY v UNSEEN 0)
            * STATUS Drafts (MESSAGES 0 UIDNEXT 1 UIDVALIDITY v UNSEEN 0)
            * STATUS Junk (MESSAGES 0 UIDNEXT 1 UIDVALIDITY v UNSEEN 0)
            * STATUS Sent (MESSAGES 0 UIDNEXT 1 UIDVALIDITY v UNSEEN 0)
            * STATUS Trash (MESSAGES 0 UIDNEXT 1 UIDVALIDITY v UNSEEN 0)
            n OK NOTIFY completed
            smtp ['* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY v UNSEEN 1)']
            seen ['* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY v UNSEEN 0)']
            work ['* 1 EXISTS', '* 1 FETCH (UID 1 FLAGS ())']
            create ['* LIST (\\HasNoChildren) "/" Projects']
            rename ['* LIST (\\HasNoChildren) "/" Done ("OLDNAME" (Projects))']
            subscribe ['* LIST (\\HasNoChildren \\Subscribed) "/" Done']
            metadata ['* METADATA Done /private/comment']
            server ['* METADATA "" /shared/comment']
            delete ['* LIST (\\NonExistent \\Subscribed) "/" Done']
            expunge ['* STATUS INBOX (MESSAGES 0 UIDNEXT 2 UIDVALIDITY v UNSEEN 0)']
            ['z OK NOTIFY completed']
            ['y OK NOOP completed']

            """#, "\(result.stdout) \(result.stderr)")
        await served.stop()
    }
}
