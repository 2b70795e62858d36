import Foundation
import HatoTesting
import Testing

/// Not-authenticated state, login and the commands valid in any state (RFC 9051 §6.1, §6.2).
@Suite struct IMAPSessionTests {
    @Test func greetingLoginCapabilityIDEnableLogoutThroughImaplib() async throws {
        let fixture = try await IMAPFixture.make()
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
            print(M.welcome.decode())
            print(" ".join(M.capabilities))
            print(M.login(sys.argv[2], sys.argv[3]))
            typ, caps = M.capability(); print(typ, caps[0].decode())
            typ, data = M.xatom("ID", '("name" "imaplib")'); print(typ, M.untagged_responses.pop("ID", None))
            print(M.enable("CONDSTORE"), M.untagged_responses.pop("ENABLED", None))
            print(M.noop())
            print(M.logout())
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 8, "\(result.stdout) \(result.stderr)")
        #expect(lines[0].hasPrefix("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE STARTTLS AUTH="))
        #expect(lines[0].hasSuffix("] Hato IMAP server ready"))
        #expect(lines[1].contains("AUTH=PLAIN") && lines[1].contains("AUTH=SCRAM-SHA-256") && !lines[1].contains("LOGINDISABLED"))
        #expect(lines[2] == "('OK', [b'[CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE CONDSTORE QRESYNC ESEARCH SEARCHRES QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE STATUS=SIZE UTF8=ACCEPT MULTIAPPEND BINARY SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES ESORT CONTEXT=SEARCH CONTEXT=SORT PREVIEW OBJECTID SAVEDATE REPLACE CATENATE METADATA METADATA-SERVER URLAUTH URLAUTH=BINARY NOTIFY APPENDLIMIT=1048576 COMPRESS=DEFLATE UNAUTHENTICATE] logged in'])")
        #expect(lines[3].hasPrefix("OK IMAP4rev1 IMAP4rev2 ") && lines[3].contains(" IDLE ") && !lines[3].contains("STARTTLS"))
        #expect(lines[4] == "OK [b'(\"name\" \"Hato\")']")
        #expect(lines[5] == "('OK', [b'ENABLE completed']) [b'CONDSTORE']")
        #expect(lines[6] == "('OK', [b'NOOP completed'])")
        #expect(lines[7] == "('BYE', [b'mail.example.test logging out'])")
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func badSyntaxGetsTaggedBADAndTheSessionGoesOn() async throws {
        let fixture = try await IMAPFixture.make()
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            c = Conn(int(sys.argv[1])); c.line()
            print(c.cmd("a1", "FROB")[-1])
            print(c.cmd("a2", "LOGIN")[-1])
            print(c.cmd("a3", "SELECT INBOX")[-1])
            c.send("\\r\\n"); print(c.line())
            print(c.cmd("a4", "LOGIN " + sys.argv[2] + " wrong")[-1])
            print(c.cmd("a5", "LOGIN " + sys.argv[2] + ' "' + sys.argv[3] + '"')[-1].split(" [")[0])
            print(c.cmd("a6", "FETCH 1 FLAGS")[-1])
            print(c.cmd("a7", "LOGIN x y")[-1])
            print(c.cmd("a8", "SELECT INBOX")[-1])
            print(c.cmd("a9", "FETCH 5 FLAGS")[-1])
            print(c.cmd("b1", "STORE 1 +FLAGS (\\\\Seen")[-1])
            print(c.cmd("b2", "NOOP")[-1])
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            a1 BAD unknown command
            a2 BAD expected SP
            a3 NO SELECT needs an authenticated session; log in first
            * BAD missing or invalid tag
            a4 NO [AUTHENTICATIONFAILED] Authentication failed
            a5 OK
            a6 NO FETCH needs a selected mailbox; SELECT one first
            a7 BAD already authenticated
            a8 OK [READ-WRITE] SELECT completed
            a9 BAD message sequence number out of range
            b1 BAD expected ")"
            b2 OK NOOP completed

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func loginIsRefusedBeforeTLSWhenLoopbackIsNotTrustedAndWorksAfterSTARTTLS() async throws {
        let fixture = try await IMAPFixture.make(loopbackIsSecure: false)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, ssl, sys
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
            print("LOGINDISABLED" in M.capabilities, "STARTTLS" in M.capabilities, [c for c in M.capabilities if c.startswith("AUTH=")])
            try: M.login(sys.argv[2], sys.argv[3])
            except imaplib.IMAP4.error as e: print("refused:", e)
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            print(M.starttls(ssl_context=ctx))
            print("LOGINDISABLED" in M.capabilities, "STARTTLS" in M.capabilities, "AUTH=PLAIN" in M.capabilities)
            print(M.login(sys.argv[2], sys.argv[3])[0])
            M.send(b"x1 STARTTLS\\r\\n"); print(M.readline())
            M.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            True True []
            refused: b'[PRIVACYREQUIRED] plaintext login is disabled without TLS; use STARTTLS'
            ('OK', [None])
            False False True
            OK
            b'x1 BAD already authenticated\\r\\n'

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// RFC 8314 implicit TLS (the imaps listener): no STARTTLS offered, LOGIN allowed even when
    /// loopback is not trusted.
    @Test func implicitTLSThroughImapclient() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages, loopbackIsSecure: false)
        let listener = try await TestListener.start(fixture.server, name: "imaps", implicitTLS: true)
        let result = try await Python.run("""
            import ssl, sys
            from imapclient import IMAPClient
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            c = IMAPClient("127.0.0.1", port=int(sys.argv[1]), ssl=True, ssl_context=ctx)
            caps = c.capabilities(); print(b"STARTTLS" in caps, b"LOGINDISABLED" in caps, b"AUTH=PLAIN" in caps)
            c.login(sys.argv[2], sys.argv[3])
            print(c.select_folder("INBOX")[b"EXISTS"])
            print(sorted(c.search(["FROM", "bob"])))
            print({k: v[b"ENVELOPE"].subject for k, v in c.fetch([1, 2], ["ENVELOPE"]).items()})
            c.add_flags([2], [b"\\\\Answered"]); print(c.get_flags([2]))
            c.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            False False True
            3
            [1, 3]
            {1: b'one', 2: b'two'}
            {2: (b'\\\\Answered', b'\\\\Recent')}

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// CVE-2011-0411 class: a command pipelined behind STARTTLS in plaintext must not run inside TLS.
    @Test func commandsPipelinedAfterSTARTTLSAreDiscarded() async throws {
        let fixture = try await IMAPFixture.make()
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            c = Conn(int(sys.argv[1])); c.line()
            c.send("a1 STARTTLS\\r\\na2 LOGIN " + sys.argv[2] + " x\\r\\n")
            print(c.line())
            c.tls()
            print(c.cmd("a3", "NOOP"))
            print(c.cmd("a4", "STARTTLS"))
            """, arguments: ["\(listener.port)", IMAPFixture.user])
        #expect(result.stdout == """
            a1 OK Begin TLS negotiation now
            ['a3 OK NOOP completed']
            ['a4 BAD TLS is already active']

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func authenticatePlainSASLIRAndSCRAMSHA256() async throws {
        let fixture = try await IMAPFixture.make()
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(rawClient + """
            import imaplib, scramp
            port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            M = imaplib.IMAP4("127.0.0.1", port)
            print(M.authenticate("PLAIN", lambda _: ("\\0" + user + "\\0" + pw).encode())[0]); M.logout()
            c = Conn(port); c.line()
            ir = base64.b64encode(("\\0" + user + "\\0wrong").encode()).decode()
            print(c.cmd("a1", "AUTHENTICATE PLAIN " + ir)[-1])
            c.send("a2 AUTHENTICATE PLAIN\\r\\n"); print(repr(c.line()))
            c.send("*\\r\\n"); print(c.until("a2")[-1])
            print(c.cmd("a3", "AUTHENTICATE CRAM-MD5")[-1])
            ir = base64.b64encode(("\\0" + user + "\\0" + pw).encode()).decode()
            print(c.cmd("a4", "AUTHENTICATE PLAIN " + ir)[-1].split(" [")[0])
            c = Conn(port); c.line()
            client = scramp.ScramClient(["SCRAM-SHA-256"], user, pw)
            c.send("s1 AUTHENTICATE SCRAM-SHA-256 " + base64.b64encode(client.get_client_first().encode()).decode() + "\\r\\n")
            challenge = c.line(); client.set_server_first(base64.b64decode(challenge[2:]).decode())
            c.send(base64.b64encode(client.get_client_final().encode()).decode() + "\\r\\n")
            final = c.line(); client.set_server_final(base64.b64decode(final[2:]).decode()); print("server verified")
            c.send("\\r\\n"); print(c.until("s1")[-1].split(" [")[0])
            print(c.cmd("s2", "SELECT INBOX")[-1])
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            OK
            a1 NO [AUTHENTICATIONFAILED] Authentication failed
            '+ '
            a2 BAD Authentication cancelled
            a3 NO Unsupported authentication mechanism
            a4 OK
            server verified
            s1 OK
            s2 OK [READ-WRITE] SELECT completed

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func sessionsPerUserAreLimited() async throws {
        let fixture = try await IMAPFixture.make(maxSessionsPerUser: 2)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys
            port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            a = imaplib.IMAP4("127.0.0.1", port); a.login(user, pw)
            b = imaplib.IMAP4("127.0.0.1", port); b.login(user, pw)
            c = imaplib.IMAP4("127.0.0.1", port)
            try: c.login(user, pw)
            except imaplib.IMAP4.error as e: print(e)
            a.logout()
            print(c.login(user, pw)[0])
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == "b'[LIMIT] too many sessions for this account'\nOK\n", "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }
}
