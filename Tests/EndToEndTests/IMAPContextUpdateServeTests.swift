import Foundation
import HatoTesting
import Testing

/// RFC 5267 CONTEXT=SEARCH / CONTEXT=SORT against `hato serve`: one connection keeps a UID
/// SEARCH and a UID SORT live with RETURN (UPDATE); a second one (Python's imaplib) APPENDs,
/// STOREs and EXPUNGEs, and the first hears ADDTO and REMOVEFROM in IDLE and at NOOP. No
/// Python client speaks RFC 5267, so the first connection is a raw socket reading lines.
@Suite(.heavy) struct IMAPContextUpdateServeTests {
    @Test func liveSearchAndSortSeeAnotherSessionsChanges() async throws {
        let served = try await ServedHato.start("""
            [listen]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [limits]
            imap_context_updates = 2
            """, accounts: [("alice@example.test", "long enough pw")])
        let result = try await Python.run(#"""
            import imaplib, socket, sys, time
            port = int(sys.argv[1])
            def message(subject, size):
                return ("From: bob@example.test\r\nSubject: %s\r\n\r\n" % subject + "x" * size + "\r\n").encode()
            B = imaplib.IMAP4("127.0.0.1", port); B.login("alice@example.test", "long enough pw")
            for subject, size in (("one", 300), ("two", 100), ("three", 200)):
                B.append("INBOX", None, None, message(subject, size))
            B.select("INBOX")

            s = socket.create_connection(("127.0.0.1", port), timeout=60)
            f = s.makefile("rb")
            def line():
                l = f.readline()
                if not l: raise SystemExit("connection closed")
                return l.decode().rstrip("\r\n")
            def send(text): s.sendall(text.encode() + b"\r\n")
            def command(tag, text):
                send(tag + " " + text); out = []
                while True:
                    l = line(); out.append(l)
                    if l.startswith(tag + " "): return out
            def until(pred):
                out = []
                while not pred(out): out.append(line())
                return out
            line()
            command("a", "LOGIN alice@example.test \"long enough pw\"")
            caps = [l for l in command("c", "CAPABILITY") if l.startswith("* CAPABILITY")][0].split()
            print("CONTEXT=SEARCH" in caps, "CONTEXT=SORT" in caps)
            command("s", "SELECT INBOX")
            print(command("B01", "UID SEARCH RETURN (UPDATE COUNT) UNSEEN"))
            print(command("S1", "UID SORT RETURN (UPDATE ALL) (SIZE) UTF-8 ALL"))
            print(command("P1", "UID SORT RETURN (PARTIAL 2:9) (SIZE) UTF-8 ALL"))
            print(command("X1", "UID SEARCH RETURN (UPDATE) ALL"))
            print(command("B01", "UID SEARCH RETURN (UPDATE) ALL"))

            send("i IDLE"); print(line())
            B.append("INBOX", None, None, message("four", 250))
            seen = until(lambda out: sum("ADDTO" in l for l in out) == 2)
            print(sorted(l for l in seen if "ESEARCH" in l), [l for l in seen if "EXISTS" in l])
            B.store("4", "+FLAGS", "(\\Seen)")
            print(until(lambda out: any("REMOVEFROM" in l for l in out)))
            B.store("2", "+FLAGS", "(\\Deleted)"); B.expunge()
            print(until(lambda out: any("EXPUNGE" in l for l in out)))
            send("DONE"); print(line())

            print(command("c1", "CANCELUPDATE \"S1\""))
            B.append("INBOX", None, None, message("five", 50))
            for attempt in range(100):
                out = command("n%d" % attempt, "NOOP")
                if any("EXISTS" in l for l in out): break
                time.sleep(0.1)
            # (rev1 sessions also hear "* 0 RECENT": the other session claimed \Recent)
            print([l if l.startswith("*") else l.split(" ")[1] for l in out if "RECENT" not in l])
            command("z", "LOGOUT"); B.logout()
            """#, arguments: [try served.port("imap")], timeout: 120)
        #expect(result.stdout == #"""
            True True
            ['* ESEARCH (TAG "B01") UID COUNT 3', 'B01 OK UID SEARCH completed']
            ['* ESEARCH (TAG "S1") UID ALL 2:3,1', 'S1 OK UID SORT completed']
            ['* ESEARCH (TAG "P1") UID PARTIAL (2:9 3,1)', 'P1 OK UID SORT completed']
            ['* ESEARCH (TAG "X1") UID', '* NO [NOUPDATE "X1"] Too many contexts', 'X1 OK UID SEARCH completed']
            ['B01 BAD Tag reuse: a search with this tag is still updated']
            + idling
            ['* ESEARCH (TAG "B01") UID ADDTO (0 4)', '* ESEARCH (TAG "S1") UID ADDTO (3 4)'] ['* 4 EXISTS']
            ['* 4 FETCH (FLAGS (\\Seen))', '* ESEARCH (TAG "B01") UID REMOVEFROM (0 4)']
            ['* 2 FETCH (FLAGS (\\Deleted))', '* ESEARCH (TAG "B01") UID REMOVEFROM (0 2)', '* ESEARCH (TAG "S1") UID REMOVEFROM (1 2)', '* 2 EXPUNGE']
            i OK IDLE terminated
            ['c1 OK CANCELUPDATE completed']
            ['* 4 EXISTS', '* ESEARCH (TAG "B01") UID ADDTO (0 5)', 'OK']

            """#, "\(result.stdout) \(result.stderr)")
        await served.stop()
    }
}
