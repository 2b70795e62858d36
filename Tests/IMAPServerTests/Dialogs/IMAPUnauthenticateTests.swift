import Foundation
import HatoTesting
import Testing

/// RFC 8437 UNAUTHENTICATE through imaplib: the connection goes back to not authenticated and
/// can log in again, as the same or another user.
@Suite struct IMAPUnauthenticateTests {
    /// §3 and §4.1: the selection ends without expunging, the pre-login capabilities are back,
    /// the session slot is free (one session per user here), CONDSTORE is off after the next
    /// login, and the RFC's pipelined UNAUTHENTICATE + AUTHENTICATE with SASL-IR works.
    @Test func unauthenticateThenLogInAgain() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages, maxSessionsPerUser: 1)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(#"""
            import base64, imaplib, sys
            port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            imaplib.Commands["UNAUTHENTICATE"] = ("AUTH", "SELECTED")
            def other():
                N = imaplib.IMAP4("127.0.0.1", port)
                try: print("other", N.login(user, password)[0]); N.logout()
                except imaplib.IMAP4.error as e: print("other", e.args[0].decode())
            M = imaplib.IMAP4("127.0.0.1", port)
            M.login(user, password)
            print("UNAUTHENTICATE" in M.capability()[1][0].decode().split())
            print(M.enable("CONDSTORE")[0], M.select("INBOX")[0], M.store("1", "+FLAGS", "\\Deleted")[0])
            print(M.fetch("1", "(FLAGS)")[1][0].decode())
            other()
            print(M._simple_command("UNAUTHENTICATE")); M.state = "NONAUTH"
            print([c for c in M.capability()[1][0].decode().split() if c.startswith("AUTH=PLAIN") or c in ("IDLE", "UNAUTHENTICATE")])
            M.send(b"s SELECT INBOX\r\n"); print(M.readline().decode().strip())
            other()
            print(M.login(user, password)[0], M.select("INBOX")[1])
            print(M.fetch("1", "(FLAGS)")[1][0].decode())
            plain = base64.b64encode(("\0" + user + "\0" + password).encode()).decode()
            M.send(("u UNAUTHENTICATE\r\nv AUTHENTICATE PLAIN " + plain + "\r\nw SELECT INBOX\r\n").encode())
            lines = []
            while not lines or not lines[-1].startswith("w "):
                lines.append(M.readline().decode().strip())
            print([l for l in lines if l[:2] in ("u ", "v ", "w ")])
            M.logout()
            """#, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            True
            OK OK OK
            1 (MODSEQ (5) FLAGS (\\Deleted \\Recent))
            other [LIMIT] too many sessions for this account
            ('OK', [b'UNAUTHENTICATE completed; not authenticated'])
            ['AUTH=PLAIN']
            s NO SELECT needs an authenticated session; log in first
            other OK
            OK [b'3']
            1 (FLAGS (\\Deleted))
            ['u OK UNAUTHENTICATE completed; not authenticated', 'v OK [CAPABILITY \(Self.loggedInCapabilities)] logged in', 'w OK [READ-WRITE] SELECT completed']

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    static let loggedInCapabilities = "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE CONDSTORE QRESYNC ESEARCH SEARCHRES QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE STATUS=SIZE UTF8=ACCEPT MULTIAPPEND BINARY SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES ESORT CONTEXT=SEARCH CONTEXT=SORT PREVIEW OBJECTID SAVEDATE REPLACE CATENATE METADATA METADATA-SERVER URLAUTH URLAUTH=BINARY NOTIFY APPENDLIMIT=1048576 COMPRESS=DEFLATE UNAUTHENTICATE"
}
