import Foundation
import HatoTesting
import IMAPServer
import MailStore
import Testing

/// SEARCH on header keys is answered from the summary stored at delivery, without reading the
/// message body (docs/imap-search-fetch.md); only keys that need the text read it.
@Suite struct IMAPSearchSummaryTests {
    /// The body of message 2 is removed (a small one is kept in the database, docs/storage.md):
    /// SUBJECT, FROM, TO, SENTSINCE still find it from the summary, while BODY, which must read
    /// the text, fails with NO [UNAVAILABLE] and the session carries on.
    @Test func headerKeysNeverReadTheBody() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let stored = try await fixture.store.messages(in: fixture.inbox.id)
        #expect(stored.allSatisfy { $0.summary != nil }, "the fixture store summarizes at delivery")
        #expect(try await fixture.store.readBody(stored[1].body) == Array(IMAPFixture.messages[1].utf8))
        #expect(stored[1].body.path.hasPrefix("inline/"))
        let removed = try await Python.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1]); db.execute("DELETE FROM message_blobs WHERE path = ?", (sys.argv[2],)); db.commit()
            print(db.total_changes)
            """, arguments: [fixture.directory.url.appendingPathComponent("hato.sqlite").path, stored[1].body.path])
        #expect(removed.stdout == "1\n", "\(removed.stderr)")

        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            c = Conn(int(sys.argv[1])); c.line()
            c.cmd("a1", "LOGIN alice@example.test \\"correct horse battery\\"")
            c.cmd("a2", "SELECT INBOX")
            for tag, key in [("s1", "SUBJECT two"), ("s2", "FROM carol"), ("s3", "TO alice CC nobody"), ("s4", "SENTSINCE 3-Nov-2026 SENTBEFORE 4-Nov-2026"),
                             ("s5", "OR SUBJECT one FROM carol"), ("s6", "BODY invoices"), ("s7", "SUBJECT three")]:
                print("\\n".join(c.cmd(tag, "SEARCH " + key)))
            """, arguments: ["\(listener.port)"])
        #expect(result.stdout == """
            * SEARCH 2
            s1 OK SEARCH completed
            * SEARCH 2
            s2 OK SEARCH completed
            * SEARCH
            s3 OK SEARCH completed
            * SEARCH 2
            s4 OK SEARCH completed
            * SEARCH 1 2
            s5 OK SEARCH completed
            s6 NO [UNAVAILABLE] cannot search now
            * SEARCH 3
            s7 OK SEARCH completed

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }
}
