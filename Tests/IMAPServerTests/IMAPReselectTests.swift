import Foundation
import HatoTesting
import Testing

/// A SELECT of a mailbox the session opened before tries the ID it had (one store trip, issue
/// 24); the name must still win: after the mailbox is renamed, or deleted and created again
/// under the same name, SELECT opens what now has that name (RFC 9051 §6.3.2), with its own
/// UIDVALIDITY and messages (§2.3.1.1), and a gone name is NO [NONEXISTENT].
@Suite struct IMAPReselectTests {
    @Test func reselectFollowsTheNameNotTheMailboxOpenedBefore() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login(sys.argv[2], sys.argv[3])
            def select(name):
                typ, data = M.select(name)
                validity = M.untagged_responses.pop("UIDVALIDITY", [b"-"])[-1]
                return typ, data[0], validity
            M.create("work")
            M.append("work", None, None, b"Subject: one\\r\\n\\r\\nbody\\r\\n")
            typ, count, first = select("work"); print(typ, count)
            typ, count, again = select("work"); print(typ, count, again == first)
            # Renamed away while this session has it selected; a new "work" with two messages.
            print(M.rename("work", "old")[0])
            M.create("work")
            for i in range(2): M.append("work", None, None, b"Subject: new\\r\\n\\r\\nbody\\r\\n")
            typ, count, renewed = select("work"); print(typ, count, renewed != first)
            typ, count, renamed = select("old"); print(typ, count, renamed == first)
            # Deleted while selected elsewhere: the name is gone, then created again, empty.
            M.select("INBOX"); print(M.delete("work")[0])
            typ, data = M.select("work"); print(typ, data[0][:34])
            M.create("work")
            typ, count, fresh = select("work"); print(typ, count, fresh not in (first, renewed))
            M.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            OK b'1'
            OK b'1' True
            OK
            OK b'2' True
            OK b'1' True
            OK
            NO b'[NONEXISTENT] no such mailbox'
            OK b'0' True

            """, "\(result.stdout) \(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }
}
