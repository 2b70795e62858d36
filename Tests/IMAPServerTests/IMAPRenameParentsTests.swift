import Foundation
import HatoTesting
import Testing

/// RFC 9051 §6.3.6: RENAME to a deeper new name creates the missing superior mailboxes, as
/// CREATE does, and the messages and children move along.
@Suite struct IMAPRenameParentsTests {
    @Test func renameToADeeperNameCreatesTheParents() async throws {
        let fixture = try await IMAPFixture.make()
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login(sys.argv[2], sys.argv[3])
            def show(r): print(r[0], [x.decode() if isinstance(x, bytes) else x for x in r[1]])
            show(M.create("Old/Sub"))
            M.append("Old", None, None, b"Subject: kept\\r\\n\\r\\nbody\\r\\n")
            show(M.rename("Old", "Archive/2026/Old"))
            show(M.list('""', "Archive*"))
            show(M.list('""', "Old*"))
            show(M.status("Archive/2026/Old", "(MESSAGES)"))
            show(M.rename("Archive/2026/Old", "Archive/2026/Old/Deeper"))
            show(M.list('""', "Archive/2026/Old*"))
            M.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(IMAPFixture.withoutMailboxIDs(result.stdout) == """
            OK ['CREATE completed']
            OK ['RENAME completed']
            OK ['(\\\\HasChildren \\\\Archive) "/" Archive', '(\\\\HasChildren) "/" Archive/2026', '(\\\\HasChildren) "/" Archive/2026/Old', '(\\\\HasNoChildren) "/" Archive/2026/Old/Sub']
            OK [None]
            OK ['Archive/2026/Old (MESSAGES 1)']
            OK ['RENAME completed']
            OK ['(\\\\HasChildren) "/" Archive/2026/Old', '(\\\\HasChildren) "/" Archive/2026/Old/Deeper', '(\\\\HasNoChildren) "/" Archive/2026/Old/Deeper/Sub']

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }
}
