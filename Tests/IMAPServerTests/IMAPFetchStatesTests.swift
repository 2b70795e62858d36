import Foundation
import HatoTesting
import MailStore
import Testing

/// FETCH of UID, FLAGS and MODSEQ for more messages than one chunk, while another session's
/// change is on its way (so not from the view), reads the mailbox's message states rather than
/// every row (issue 24). The client must see the store's current flags, as with the rows.
@Suite struct IMAPFetchStatesTests {
    @Test func manyFlagsWhileAChangeIsOnItsWaySeeTheStore() async throws {
        let messages = (1...70).map { "Subject: m\($0)\r\n\r\nbody \($0)\r\n" }
        let fixture = try await IMAPFixture.make(messages: messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys, re
            def session():
                M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login(sys.argv[2], sys.argv[3]); M.select("INBOX"); return M
            A, B = session(), session()
            B.store("5,69", "+FLAGS.SILENT", "(\\\\Flagged)")
            B.store("70", "+FLAGS.SILENT", "(\\\\Seen)")
            typ, data = A.fetch("1:*", "(UID FLAGS)")
            # The FETCH's own responses carry UID; the feed's changes follow untagged, without it.
            lines = [d.decode() for d in data if isinstance(d, bytes) and b"UID " in d]
            print(typ, len(lines))
            for line in lines:
                if "Flagged" in line or "Seen" in line: print(re.sub(r"MODSEQ \\(\\d+\\) ", "", line))
            typ, data = A.uid("FETCH", "60:*", "(FLAGS MODSEQ)")
            print(typ, sum(1 for d in data if isinstance(d, bytes) and b"MODSEQ" in d))
            A.logout(); B.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            OK 70
            5 (UID 5 FLAGS (\\Flagged \\Recent))
            69 (UID 69 FLAGS (\\Flagged \\Recent))
            70 (UID 70 FLAGS (\\Seen \\Recent))
            OK 11

            """, "\(result.stderr)")
        try await listener.stop()
    }
}
