import Foundation
import HatoTesting
import Testing

/// RFC 9051 §6.3.12: APPEND to the selected mailbox announces the new message (EXISTS) before
/// the tagged OK, so a client can address it by number at once — the IMAP load benchmark's
/// clients (and Dovecot's behaviour) rely on it.
@Suite struct IMAPAppendSelectedTests {
    @Test func appendToTheSelectedMailboxAnnouncesExistsBeforeTheOK() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login(sys.argv[2], sys.argv[3])
            print(M.select("INBOX")[1])
            for i in range(3):
                M.untagged_responses.pop("EXISTS", None)
                typ, data = M.append("INBOX", None, None, f"Subject: appended {i}\\r\\n\\r\\nbody\\r\\n".encode())
                exists = M.untagged_responses.pop("EXISTS", None)
                print(typ, exists)
                print(M.store(exists[-1].decode(), "+FLAGS", "(\\\\Flagged)")[0])
            # After the newest message is expunged its UID is never reused: the next APPEND is
            # announced before its OK all the same.
            M.store("6", "+FLAGS", "(\\\\Deleted)"); M.expunge()
            M.untagged_responses.pop("EXISTS", None)
            typ, data = M.append("INBOX", None, None, b"Subject: after expunge\\r\\n\\r\\nbody\\r\\n")
            print(typ, M.untagged_responses.pop("EXISTS", None))
            # The same after a fresh SELECT, whose view never saw the expunged newest UID.
            M.store("6", "+FLAGS", "(\\\\Deleted)"); M.expunge(); M.select("INBOX")
            M.untagged_responses.pop("EXISTS", None)
            typ, data = M.append("INBOX", None, None, b"Subject: after reselect\\r\\n\\r\\nbody\\r\\n")
            print(typ, M.untagged_responses.pop("EXISTS", None))
            M.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            [b'3']
            OK [b'4']
            OK
            OK [b'5']
            OK
            OK [b'6']
            OK
            OK [b'6']
            OK [b'6']

            """, "\(result.stdout) \(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }
}
