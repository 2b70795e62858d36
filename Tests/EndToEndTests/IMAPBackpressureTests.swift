import Foundation
import HatoTesting
import Testing

/// `hato serve` under clients that ask for a whole mailbox and never read (issue 16): the
/// server's resident memory stays near one piece per session instead of growing by the
/// mailbox once per session (docs/imap.md "Backpressure").
@Suite struct IMAPBackpressureTests {
    @Test func nonReadingFetchSessionsDoNotGrowServerMemory() async throws {
        guard FileManager.default.fileExists(atPath: "/proc/self/status") else { return }
        let served = try await ServedHato.start("""
            [listen]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            """, accounts: [("alice@example.test", "long enough pw")])
        let result = try await Python.run("""
            import imaplib, socket, sys, time
            port, pid = int(sys.argv[1]), sys.argv[2]
            def rss():
                for line in open("/proc/%s/status" % pid):
                    if line.startswith("VmRSS:"): return int(line.split()[1]) * 1024
            M = imaplib.IMAP4("127.0.0.1", port); M.login("alice@example.test", "long enough pw")
            body = b"Subject: big\\r\\n\\r\\n" + (b"x" * 998 + b"\\r\\n") * 4000
            for i in range(10): M.append("INBOX", None, None, body)
            M.logout(); time.sleep(1)
            before = rss()
            hogs = []
            for i in range(5):
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); s.connect(("127.0.0.1", port))
                s.sendall(b'a LOGIN "alice@example.test" "long enough pw"\\r\\nb SELECT INBOX\\r\\nc FETCH 1:* BODY.PEEK[]\\r\\n')
                hogs.append(s)
            time.sleep(4)
            grown = rss() - before
            sys.stderr.write("mailbox 40 MB, 5 non-reading FETCH sessions: RSS grew %d KiB\\n" % (grown // 1024))
            print(grown < 60 * 1024 * 1024)
            c = imaplib.IMAP4("127.0.0.1", port); print(c.noop()[0]); c.logout()
            """, arguments: [try served.port("imap"), "\(served.process.process.processIdentifier)"], timeout: 120)
        #expect(result.stdout == "True\nOK\n", "\(result.stderr)")
        await served.stop()
    }
}
