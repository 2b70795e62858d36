import Foundation
import HatoTesting
import Testing

/// `hato serve` as an operator runs it: mail in over SMTP, read over IMAP (STARTTLS and
/// implicit TLS) with Python's imaplib, and an IDLE session woken by the SMTP delivery.
@Suite struct IMAPFlowTests {
    /// The IDLE session (rev1) is the first told of the delivery: it is \Recent there (RFC 3501
    /// §2.3.2), so its RECENT count follows the EXISTS, and the later session sees it not recent.
    @Test func smtpInImapOutThroughTheRealBinary() async throws {
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            imaps = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            """, accounts: [("alice@example.test", "long enough pw")])
        let result = try await Python.run("""
            import imaplib, smtplib, ssl, sys, time, socket
            smtp, imap, imaps = (int(x) for x in sys.argv[1:4])
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            idle = imaplib.IMAP4_SSL("127.0.0.1", imaps, ssl_context=ctx); idle.login("alice@example.test", "long enough pw")
            idle.select("INBOX"); tag = idle._new_tag().decode()
            idle.send((tag + " IDLE\\r\\n").encode()); print(idle.readline().decode().strip())
            s = smtplib.SMTP("127.0.0.1", smtp)
            s.sendmail("friend@remote.test", ["alice@example.test"], b"Subject: over smtp\\r\\n\\r\\nhi alice\\r\\n"); s.quit()
            start = time.time(); print(idle.readline().decode().strip(), "while idle" if time.time() - start < 10 else "late")
            idle.send(b"DONE\\r\\n"); lines = [idle.readline().decode().strip()]
            while not lines[-1].startswith(tag): lines.append(idle.readline().decode().strip())
            print(lines[:-1], lines[-1].split(" ", 1)[1])
            M = imaplib.IMAP4("127.0.0.1", imap); M.starttls(ssl_context=ctx); M.login("alice@example.test", "long enough pw")
            print(M.select("INBOX"))
            typ, data = M.fetch("1", "(BODY[HEADER.FIELDS (SUBJECT)])"); print(data[0][1])
            print(M.fetch("1", "(FLAGS)")[1])
            M.logout(); idle.logout()
            """, arguments: [try served.port("smtp"), try served.port("imap"), try served.port("imaps")])
        #expect(result.stdout == """
            + idling
            * 1 EXISTS while idle
            ['* 1 RECENT'] OK IDLE terminated
            ('OK', [b'1'])
            b'Subject: over smtp\\r\\n\\r\\n'
            [b'1 (FLAGS (\\\\Seen))']

            """, "\(result.stdout) \(result.stderr)")
        await served.stop()
        #expect(!served.process.errorOutput.contains("long enough pw"), "no secret in the log")
    }
}
