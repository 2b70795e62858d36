import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import POP3Server
import Testing

/// POP3 through Python's poplib (a client nobody here wrote), over loopback, plaintext and TLS.
@Suite struct POP3ServerTests {
    let directory = try! TemporaryDirectory(prefix: "hato-pop3")
    static let password = "correct horse battery"

    struct Fixture {
        let store: SQLiteMailStore
        let inbox: Mailbox
        let server: POP3Server
    }

    func fixture(messages: [String] = [], loopbackIsSecure: Bool = true) async throws -> Fixture {
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(
            try EmailAddress("alice@example.test"), credentials: try Account.deriveCredentials(password: Self.password, iterations: 4096),
            quota: .unlimited)
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        for text in messages { _ = try await store.append(AppendRequest(bytes: Array(text.utf8)), to: inbox.id) }
        let server = POP3Server(
            configuration: POP3Configuration(hostname: "mail.example.test", loopbackIsSecure: loopbackIsSecure), store: store)
        return Fixture(store: store, inbox: inbox, server: server)
    }

    static let messages = [
        "Subject: one\r\n\r\nfirst body\r\n.starts with a dot\r\n",
        "Subject: two\r\nX-Long: yes\r\n\r\nline 1\r\nline 2\r\nline 3\r\n",
        "Subject: three\r\n\r\n日本語の本文\r\n",
    ]

    @Test func everyCommandThroughPoplib() async throws {
        let fixture = try await fixture(messages: Self.messages)
        let listener = try await TestListener.start(fixture.server, name: "pop3")
        let result = try await Python.run("""
            import poplib, sys
            p = poplib.POP3("127.0.0.1", int(sys.argv[1]))
            print(p.getwelcome().decode())
            print(sorted(p.capa().keys()))
            p.user("alice@example.test"); print(p.pass_(sys.argv[2]).decode())
            print(p.stat())
            resp, lines, octets = p.list(); print([l.decode() for l in lines])
            print(p.list(2).decode())
            resp, lines, octets = p.uidl(); uidl = [l.decode() for l in lines]; print(len(uidl), len(set(x.split()[1] for x in uidl)))
            resp, lines, octets = p.retr(1); print(lines, octets)
            resp, lines, octets = p.top(2, 1); print(lines)
            print(p.dele(2).decode())
            try: p.retr(2)
            except poplib.error_proto as e: print("retr deleted:", e)
            try: p.dele(9)
            except poplib.error_proto as e: print("dele 9:", e)
            print(p.rset().decode()); print(p.stat())
            print(p.dele(1).decode()); print(p.noop().decode())
            print(p.quit().decode())
            """, arguments: ["\(listener.port)", Self.password])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(result.status == 0, "\(result.stderr)")
        guard lines.count == 17 else { Issue.record("unexpected output: \(result.stdout) \(result.stderr)"); return }
        #expect(lines[0] == "+OK Hato POP3 server ready")
        #expect(lines[1] == "['AUTH-RESP-CODE', 'EXPIRE', 'IMPLEMENTATION', 'LOGIN-DELAY', 'PIPELINING', 'RESP-CODES', 'SASL', 'STLS', 'TOP', 'UIDL', 'USER']")
        let sizes = Self.messages.map { $0.utf8.count }
        #expect(lines[2] == "+OK 3 messages (\(sizes.reduce(0, +)) octets)")
        #expect(lines[3] == "(3, \(sizes.reduce(0, +)))")
        #expect(lines[4] == "['1 \(sizes[0])', '2 \(sizes[1])', '3 \(sizes[2])']")
        #expect(lines[5] == "+OK 2 \(sizes[1])")
        #expect(lines[6] == "3 3", "UIDL values are unique")
        // poplib undoes the byte-stuffing; octets counts what came over the wire.
        #expect(lines[7].hasPrefix("[b'Subject: one', b'', b'first body', b'.starts with a dot']"))
        #expect(lines[8] == "[b'Subject: two', b'X-Long: yes', b'', b'line 1']")
        #expect(lines[9] == "+OK message 2 deleted")
        #expect(lines[10].hasPrefix("retr deleted: b'-ERR no such message"))
        #expect(lines[11].hasPrefix("dele 9: b'-ERR no such message"))
        #expect(lines[13] == "(3, \(sizes.reduce(0, +)))", "RSET unmarks")
        #expect(lines[16] == "+OK mail.example.test signing off (1 deleted)")

        try await listener.stop()
        let left = try await fixture.store.messages(in: fixture.inbox.id)
        #expect(left.map(\.uid) == [2, 3], "QUIT expunged message 1 only")
        #expect(left.first?.flags.system.contains(.seen) == false, "TOP does not mark \\Seen")
        try await fixture.store.close()
    }

    @Test func droppedConnectionDeletesNothingAndUIDLIsStable() async throws {
        let fixture = try await fixture(messages: Self.messages)
        let listener = try await TestListener.start(fixture.server, name: "pop3")
        let script = """
            import poplib, sys
            p = poplib.POP3("127.0.0.1", int(sys.argv[1]))
            p.user("alice@example.test"); p.pass_(sys.argv[2])
            print(" ".join(l.decode() for l in p.uidl()[1]))
            p.retr(2)
            p.dele(1)
            p.sock.close()   # no QUIT
            """
        let first = try await Python.run(script, arguments: ["\(listener.port)", Self.password])
        try await Task.sleep(for: .milliseconds(200))
        let second = try await Python.run(script, arguments: ["\(listener.port)", Self.password])
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        #expect(first.stdout == second.stdout, "same UIDL across sessions, nothing deleted")
        let messages = try await fixture.store.messages(in: fixture.inbox.id)
        #expect(messages.count == 3)
        #expect(messages[1].flags.system.contains(.seen), "RETR marks \\Seen for IMAP clients")
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func secondSessionGetsInUseAndBadLoginsGetAuth() async throws {
        let fixture = try await fixture(messages: Self.messages)
        let listener = try await TestListener.start(fixture.server, name: "pop3")
        let result = try await Python.run("""
            import poplib, sys
            port, pw = int(sys.argv[1]), sys.argv[2]
            a = poplib.POP3("127.0.0.1", port); a.user("alice@example.test"); a.pass_(pw)
            b = poplib.POP3("127.0.0.1", port); b.user("alice@example.test")
            try: b.pass_(pw)
            except poplib.error_proto as e: print(e)
            for user, password in [("alice@example.test", "wrong"), ("nobody@example.test", pw), ("not-an-address", pw)]:
                c = poplib.POP3("127.0.0.1", port); c.user(user)
                try: c.pass_(password)
                except poplib.error_proto as e: print(e)
            try: a._shortcmd("STLS")
            except poplib.error_proto as e: print("stls after login:", e)
            a.quit()
            """, arguments: ["\(listener.port)", Self.password])
        #expect(result.stdout == """
            b'-ERR [IN-USE] maildrop already locked by another session'
            b'-ERR [AUTH] Authentication failed'
            b'-ERR [AUTH] Authentication failed'
            b'-ERR [AUTH] Authentication failed'
            stls after login: b'-ERR already logged in'

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func stlsAndImplicitTLSAndPlaintextPolicy() async throws {
        let fixture = try await fixture(messages: Self.messages, loopbackIsSecure: false)
        let plain = try await TestListener.start(fixture.server, name: "pop3")
        let implicit = try await TestListener.start(fixture.server, name: "pop3s", implicitTLS: true)
        let result = try await Python.run("""
            import poplib, ssl, sys, socket
            plain, implicit, pw = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            p = poplib.POP3("127.0.0.1", plain)
            print("USER" in p.capa(), "STLS" in p.capa())
            try: p.user("alice@example.test")
            except poplib.error_proto as e: print(e)
            # STLS injection: a command pipelined behind STLS must be discarded.
            p.sock.sendall(b"STLS\\r\\nUSER injected@example.test\\r\\n")
            print(p._getresp().decode())
            p.sock = ctx.wrap_socket(p.sock); p.file = p.sock.makefile("rb")
            print("USER" in p.capa(), "STLS" in p.capa())
            p.user("alice@example.test"); print(p.pass_(pw).decode()); p.quit()
            s = poplib.POP3_SSL("127.0.0.1", implicit, context=ctx)
            print(s.sock.version(), "STLS" in s.capa())
            s.user("alice@example.test"); print(s.pass_(pw).decode()); s.quit()
            """, arguments: ["\(plain.port)", "\(implicit.port)", Self.password])
        #expect(result.stdout == """
            False True
            b'-ERR [AUTH] plaintext authentication is disallowed without TLS; use STLS'
            +OK begin TLS negotiation
            True False
            +OK 3 messages (\(Self.messages.map { $0.utf8.count }.reduce(0, +)) octets)
            TLSv1.3 False
            +OK 3 messages (\(Self.messages.map { $0.utf8.count }.reduce(0, +)) octets)

            """, "\(result.stderr)")
        try await plain.stop()
        try await implicit.stop()
        try await fixture.store.close()
    }

    /// RFC 5034 AUTH with PLAIN (initial response), LOGIN (challenges) and SCRAM-SHA-256 driven
    /// by the scramp client library, plus cancellation and bad credentials.
    @Test func saslAuthentication() async throws {
        let fixture = try await fixture(messages: Self.messages)
        let listener = try await TestListener.start(fixture.server, name: "pop3")
        let result = try await Python.run("""
            import base64, poplib, sys
            port, pw = int(sys.argv[1]), sys.argv[2]
            b64 = lambda s: base64.b64encode(s.encode()).decode()
            p = poplib.POP3("127.0.0.1", port); print(p.capa()["SASL"])
            print(p._shortcmd("AUTH PLAIN " + b64("\\0alice@example.test\\0" + pw)).decode()); p.quit()
            p = poplib.POP3("127.0.0.1", port)
            print(p._shortcmd("AUTH LOGIN").decode()); print(p._shortcmd(b64("alice@example.test")).decode())
            print(p._shortcmd(b64(pw)).decode()); p.quit()
            p = poplib.POP3("127.0.0.1", port)
            try: p._shortcmd("AUTH PLAIN " + b64("\\0alice@example.test\\0wrong"))
            except poplib.error_proto as e: print(e)
            p._shortcmd("AUTH LOGIN")
            try: p._shortcmd("*")
            except poplib.error_proto as e: print("cancel:", e)
            try:
                import scramp
            except ImportError:
                print("scramp missing"); sys.exit(0)
            c = scramp.ScramClient(["SCRAM-SHA-256"], "alice@example.test", pw)
            reply = p._shortcmd("AUTH SCRAM-SHA-256 " + b64(c.get_client_first())).decode()
            c.set_server_first(base64.b64decode(reply[2:]).decode())
            reply = p._shortcmd(b64(c.get_client_final())).decode()
            c.set_server_final(base64.b64decode(reply[2:]).decode())
            print("scram:", p._shortcmd("").decode()); p.quit()
            """, arguments: ["\(listener.port)", Self.password])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 8 else { Issue.record("\(result.stdout) \(result.stderr)"); return }
        #expect(lines[0].contains("PLAIN") && lines[0].contains("SCRAM-SHA-256"), "\(lines[0])")
        #expect(lines[1].hasPrefix("+OK 3 messages"))
        #expect(lines[2] == "+ VXNlcm5hbWU6" && lines[3] == "+ UGFzc3dvcmQ6", "LOGIN prompts: \(lines)")
        #expect(lines[4].hasPrefix("+OK 3 messages"))
        #expect(lines[5].hasPrefix("b'-ERR [AUTH]"), "\(lines[5])")
        #expect(lines[6].hasPrefix("cancel: b'-ERR"), "\(lines[6])")
        #expect(lines[7].hasPrefix("scram: +OK 3 messages"), "server signature verified by scramp: \(lines[7])")
        try await listener.stop()
        try await fixture.store.close()
    }
}
