import Foundation
import HatoTesting
import IMAPServer
import Testing

/// RFC 7162 §3.2.5.2: the message sequence match data of SELECT (QRESYNC (...)) limits the
/// VANISHED (EARLIER) answer to UIDs above the last pair that still matches the mailbox.
@Suite struct IMAPQResyncMatchDataTests {
    @Test func matchingPairsHideExpungesTheClientAlreadyKnows() async throws {
        let messages = (1...5).map { "From: bob@example.test\r\nSubject: m\($0)\r\n\r\nbody \($0)\r\n" }
        let fixture = try await IMAPFixture.make(messages: messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            import re
            port = int(sys.argv[1])
            c = Conn(port); c.line()
            c.cmd("a1", "LOGIN alice@example.test \\"correct horse battery\\"")
            c.cmd("a2", "ENABLE QRESYNC")
            lines = c.cmd("a3", "SELECT INBOX")
            validity = re.search(r"UIDVALIDITY (\\d+)", "\\n".join(lines)).group(1)
            modseq = re.search(r"HIGHESTMODSEQ (\\d+)", "\\n".join(lines)).group(1)
            c.cmd("a4", "UID STORE 2,4 +FLAGS.SILENT (\\\\Deleted)")
            c.cmd("a5", "EXPUNGE")
            c.cmd("a6", "LOGOUT")
            # Mailbox now: seq 1 = UID 1, seq 2 = UID 3, seq 3 = UID 5; UIDs 2 and 4 expunged.
            for tag, match in [("b1", ""), ("b2", " (1,2 1,3)"), ("b3", " (1,2 1,2)"), ("b4", " (2 4)"), ("b5", " (1:3 1,3,5)"),
                               ("b6", " (2,3 3,4)"), ("b7", " (3 5)")]:
                d = Conn(port); d.line()
                d.cmd("x1", "LOGIN alice@example.test \\"correct horse battery\\"")
                d.cmd("x2", "ENABLE QRESYNC")
                out = d.cmd(tag, "SELECT INBOX (QRESYNC (%s %s 1:5%s))" % (validity, modseq, match))
                vanished = [l for l in out if l.startswith("* VANISHED")]
                print(tag, vanished[0] if vanished else "-", out[-1].split(" ")[1])
            # RFC 7162 §7: "*" is not allowed in any of the three sets.
            for tag, params in [("e1", "1:*"), ("e2", "1:5 (1:* 1,3,5)"), ("e3", "1:5 (1,2 1:*)")]:
                print(d.cmd(tag, "SELECT INBOX (QRESYNC (%s %s %s))" % (validity, modseq, params))[-1])
            print(d.cmd("e4", "NOOP")[-1])
            """, arguments: ["\(listener.port)"])
        #expect(result.stdout == """
            b1 * VANISHED (EARLIER) 2,4 OK
            b2 * VANISHED (EARLIER) 4 OK
            b3 * VANISHED (EARLIER) 2,4 OK
            b4 * VANISHED (EARLIER) 2,4 OK
            b5 - OK
            b6 * VANISHED (EARLIER) 4 OK
            b7 - OK
            e1 BAD "*" and "$" are not allowed in QRESYNC parameters
            e2 BAD "*" and "$" are not allowed in QRESYNC parameters
            e3 BAD "*" and "$" are not allowed in QRESYNC parameters
            e4 OK NOOP completed

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }
}
