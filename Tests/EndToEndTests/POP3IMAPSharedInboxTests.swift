import Foundation
import HatoTesting
import Testing

/// Issue #7: POP3 and IMAP on the same INBOX at once, through the real binary. Mail arrives
/// over SMTP; a POP3 client downloads and deletes one message while an IMAP session has INBOX
/// selected; the IMAP session is told of the expunge (RFC 9051 §7.5.1, at its next NOOP) and
/// the deletion happens only at QUIT (RFC 1939 §6), never on a dropped connection.
@Suite struct POP3IMAPSharedInboxTests {
    @Test func imapSessionSeesWhatPOP3Deleted() async throws {
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            pop3 = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            """, accounts: [("alice@example.test", "long enough pw")])
        let result = try await Python.run("""
            import imaplib, poplib, smtplib, sys
            smtp, imap, pop3 = (int(x) for x in sys.argv[1:4])
            s = smtplib.SMTP("127.0.0.1", smtp)
            for subject in ["first", "second", "third"]:
                s.sendmail("friend@remote.test", ["alice@example.test"], f"Subject: {subject}\\r\\n\\r\\nbody\\r\\n".encode())
            s.quit()
            M = imaplib.IMAP4("127.0.0.1", imap); M.login("alice@example.test", "long enough pw")
            print("imap select", M.select("INBOX")[1])
            # A POP3 session that marks a message and then drops the connection deletes nothing.
            # Closing only p.sock would leave the connection open (p.file still refers to it)
            # until p is rebound after the next login: that login then raced the drop.
            p = poplib.POP3("127.0.0.1", pop3); p.user("alice@example.test"); p.pass_("long enough pw")
            p.dele(1); p.file.close(); p.sock.close()
            p = poplib.POP3("127.0.0.1", pop3); p.user("alice@example.test"); p.pass_("long enough pw")
            print("pop3 stat", p.stat()[0])
            subject = [l for l in p.retr(2)[1] if l.startswith(b"Subject:")][0].decode()
            print("pop3 retr 2", subject); p.dele(2); p.quit()
            # The store's change feed reaches the session asynchronously: poll with NOOP.
            import time
            expunged = []
            for _ in range(100):
                M.noop(); expunged = M.untagged_responses.pop("EXPUNGE", [])
                if expunged: break
                time.sleep(0.05)
            print("imap noop", [d.decode() for d in expunged])
            typ, data = M.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            print("imap left", [d[1].decode().strip() for d in data if isinstance(d, tuple)])
            M.logout()
            """, arguments: [try served.port("smtp"), try served.port("imap"), try served.port("pop3")])
        #expect(result.stdout == """
            imap select [b'3']
            pop3 stat 3
            pop3 retr 2 Subject: second
            imap noop ['2']
            imap left ['Subject: first', 'Subject: third']

            """, "\(result.stdout) \(result.stderr)")
        await served.stop()
    }
}
