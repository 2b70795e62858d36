import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import POP3Server
import Testing

/// Issue 16: one byte every half second must not keep a POP3 session open. The login has a
/// deadline from the greeting, and the autologout timer (RFC 1939 §3) runs from the last
/// complete command, not the last byte.
@Suite struct POP3SlowlorisTests {
    let directory = try! TemporaryDirectory(prefix: "hato-pop3-slow")

    func listener(idleTimeout: Duration = .seconds(600), loginTimeout: Duration) async throws -> (TestListener, SQLiteMailStore) {
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        _ = try await store.addAccount(
            try EmailAddress("alice@example.test"), credentials: try Account.deriveCredentials(password: "correct horse battery", iterations: 4096),
            quota: .unlimited)
        var configuration = POP3Configuration(hostname: "mail.example.test")
        configuration.idleTimeout = idleTimeout  // below RFC 1939's 10 minutes, so the test need not wait
        configuration.loginTimeout = loginTimeout
        return (try await TestListener.start(POP3Server(configuration: configuration, store: store), name: "pop3"), store)
    }

    static func trickle(setup: String, payload: String) -> String {
        """
        import select, socket, sys, time
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        f = s.makefile("rb")
        def hear(): return f.readline().decode().strip()
        print(hear())
        \(setup)
        start = time.monotonic(); payload = \(payload); i = 0
        while time.monotonic() - start < 30:
            if select.select([s], [], [], 0.5)[0]: break
            try: s.sendall(payload[i % len(payload):][:1]); i += 1
            except OSError: break
        print(hear(), time.monotonic() - start < 15, i > 2)
        try: print(f.read() == b"")
        except ConnectionResetError: print(True)  # closed while a trickled byte was unread
        """
    }

    @Test func loginDeadlineIsNotExtendedByBytes() async throws {
        let (listener, store) = try await listener(loginTimeout: .seconds(4))
        let result = try await Python.run(Self.trickle(setup: "pass",
                                                       payload: "b\"USER \" + b\"x\" * 400"), arguments: ["\(listener.port)"])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.suffix(2) == ["-ERR login took too long True True", "True"], "\(result.stdout) \(result.stderr)")
        try await listener.stop()
        try await store.close()
    }

    @Test func commandLineTrickledAfterLoginGetsAutologout() async throws {
        // 4 s, so the client trickles several bytes first even when the suite loads the machine
        // (with 2 s a run once got only two bytes out).
        let (listener, store) = try await listener(idleTimeout: .seconds(4), loginTimeout: .seconds(60))
        let result = try await Python.run(Self.trickle(setup: """
            s.sendall(b"USER alice@example.test\\r\\n"); print(hear())
            s.sendall(b"PASS correct horse battery\\r\\n"); print(hear())
            """, payload: "b\"NOOP\" + b\"x\" * 400"), arguments: ["\(listener.port)"])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5 && lines[2].hasPrefix("+OK"), "\(result.stdout) \(result.stderr)")
        #expect(lines.suffix(2) == ["-ERR autologout: idle for too long True True", "True"], "\(result.stdout) \(result.stderr)")
        try await listener.stop()
        try await store.close()
    }
}
