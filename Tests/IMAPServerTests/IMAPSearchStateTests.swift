import Foundation
import HatoTesting
import MailStore
import Testing

/// SEARCH with keys on flags, keywords, UIDs, numbers and MODSEQ alone is answered from the
/// mailbox's message states rather than its rows (issue 24); what a client sees must not change:
/// the store's current flags, another session's change included before this session heard of it,
/// and keys that need rows (SUBJECT, LARGER, SINCE) mixed in.
@Suite struct IMAPSearchStateTests {
    @Test func flagKeysSeeAnotherSessionsChangeAtOnce() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys
            def session():
                M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login(sys.argv[2], sys.argv[3]); M.select("INBOX"); return M
            A, B = session(), session()
            def show(r): print(r[0], [x.decode() if isinstance(x, bytes) else x for x in r[1]])
            show(A.search(None, "UNSEEN"))
            B.store("2", "+FLAGS.SILENT", "(\\\\Flagged $Label1)")
            B.store("1", "+FLAGS.SILENT", "(\\\\Seen)")
            show(A.search(None, "UNSEEN"))
            show(A.search(None, "FLAGGED"))
            show(A.search(None, "KEYWORD", "$label1"))
            show(A.search(None, "OR", "SEEN", "FLAGGED"))
            show(A.uid("SEARCH", "UID", "2:*", "UNFLAGGED"))
            show(A.search(None, "NOT", "(SEEN FLAGGED)", "2:3"))
            show(A.search(None, "NOT", "FLAGGED", "SUBJECT", "three"))
            show(A.search(None, "UNSEEN", "LARGER", "10"))
            A.logout(); B.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            OK ['1 2 3']
            OK ['2 3']
            OK ['2']
            OK ['2']
            OK ['1 2']
            OK ['3']
            OK ['2 3']
            OK ['3']
            OK ['2 3']

            """, "\(result.stderr)")
        try await listener.stop()
    }
}
