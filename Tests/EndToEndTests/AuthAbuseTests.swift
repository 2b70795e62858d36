import Foundation
import HatoTesting
import Testing

/// Issue #16: password guessing and log forging against the real binary, over raw sockets bound
/// to chosen loopback source addresses (all of 127.0.0.0/8 reaches the 127.0.0.1 listeners), so
/// one test plays many attackers and the owner. Replies are classified as "ok" (right password),
/// "wrong" (the credentials were checked and failed) and "locked" (refused unchecked).
@Suite struct AuthAbuseTests {
    /// Delays only from the 10th counted attempt, so the test does not wait for them.
    static let config = """
        [listen]
        submission = ["127.0.0.1:0"]
        imap = ["127.0.0.1:0"]
        pop3 = ["127.0.0.1:0"]
        [accounts]
        scram_iterations = 4096
        [auth]
        delay_after_failures = 10
        lockout_after_failures = 10
        [limits]
        max_connections_per_ip = 100
        """
    static let accounts = ["alice", "bob", "carol", "dave"].map { ("\($0)@example.test", "right \($0) pw") }

    /// Raw clients: `login(kind, source, user, password)` returns ok / wrong / locked (or the
    /// unexpected reply); `barrier` (optional) is waited on right before the credentials go out.
    static let clients = """
        import base64, socket, sys, threading
        ports = dict(smtp=int(sys.argv[1]), imap=int(sys.argv[2]), pop3=int(sys.argv[3]))
        def connect(kind, source):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.settimeout(60)
            s.bind((source, 0)); s.connect(("127.0.0.1", ports[kind]))
            return s, s.makefile("rb")
        def line(f): return f.readline().decode("latin-1").rstrip("\\r\\n")
        def smtp(s, f, user, pw, barrier):
            def reply():
                while True:
                    l = line(f)
                    if len(l) < 4 or l[3] != "-": return l
            reply(); s.sendall(b"EHLO client.test\\r\\n"); reply()
            if barrier: barrier.wait()
            s.sendall(b"AUTH PLAIN " + base64.b64encode(b"\\0" + user + b"\\0" + pw.encode()) + b"\\r\\n")
            r = reply()
            return {"235": "ok", "535": "wrong", "454": "locked"}.get(r[:3], r)
        def imap(s, f, user, pw, barrier):
            line(f)
            if barrier: barrier.wait()
            # The user name as a literal (RFC 9051 §4.3), so it may hold CR, LF and ESC.
            s.sendall(b"a LOGIN {%d}\\r\\n" % len(user))
            if not line(f).startswith("+"): return "no continuation"
            s.sendall(user + b' "' + pw.encode() + b'"\\r\\n')
            while True:
                r = line(f)
                if r.startswith("a "): break
            return "ok" if r.startswith("a OK") else {"a NO [AUTHENTICATIONFAILED]": "wrong", "a NO [UNAVAILABLE]": "locked"}.get(r.split("]")[0] + "]", r)
        def pop3(s, f, user, pw, barrier):
            line(f); s.sendall(b"USER " + user + b"\\r\\n"); line(f)
            if barrier: barrier.wait()
            s.sendall(b"PASS " + pw.encode() + b"\\r\\n")
            r = line(f)
            return "ok" if r.startswith("+OK") else {"-ERR [AUTH]": "wrong", "-ERR [SYS/TEMP]": "locked"}.get(r.split("]")[0] + "]", r)
        def login(kind, source, user, pw, barrier=None):
            s, f = connect(kind, source)
            try: return dict(smtp=smtp, imap=imap, pop3=pop3)[kind](s, f, user if isinstance(user, bytes) else user.encode(), pw, barrier)
            finally: f.close(); s.close()
        def parallel(kind, source, user, pw, count):
            results, barrier = [None] * count, threading.Barrier(count)
            def run(i): results[i] = login(kind, source, user, pw, barrier)
            threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
            for t in threads: t.start()
            for t in threads: t.join()
            return results

        """

    func ports(_ served: ServedHato) throws -> [String] {
        [try served.port("submission"), try served.port("imap"), try served.port("pop3")]
    }

    /// 20 simultaneous wrong passwords from one address get exactly 10 credential checks (the
    /// documented lock-out) and 10 refusals; the right password is then refused from that
    /// address and, the account being locked too, from any other. SMTP AUTH PLAIN, IMAP LOGIN
    /// and POP3 USER/PASS each against their own account and address.
    @Test func parallelGuessesFromOneAddressStopAtTheLimit() async throws {
        let served = try await ServedHato.start(Self.config, accounts: Self.accounts)
        let result = try await Python.run(Self.clients + """
            for kind, user, net in [("smtp", "alice", 1), ("imap", "bob", 2), ("pop3", "carol", 3)]:
                address, source = user + "@example.test", "127.0.%d.1" % net
                results = parallel(kind, source, address, "wrong guess", 20)
                print(kind, results.count("wrong"), "wrong,", results.count("locked"), "locked,", len(results), "in all;",
                      "right password:", login(kind, source, address, "right %s pw" % user) + ",",
                      "from elsewhere:", login(kind, "127.0.%d.2" % net, address, "right %s pw" % user))
            """, arguments: try ports(served), timeout: 120)
        #expect(result.stdout == """
            smtp 10 wrong, 10 locked, 20 in all; right password: locked, from elsewhere: locked
            imap 10 wrong, 10 locked, 20 in all; right password: locked, from elsewhere: locked
            pop3 10 wrong, 10 locked, 20 in all; right password: locked, from elsewhere: locked

            """, "\(result.stderr)")
        await served.stop()
    }

    /// Simultaneous guesses at one account from 60 addresses, 1 each, across all three
    /// protocols: the account's count, attempts in flight included, stops them after 10 checks. The owner, who logged in from 127.0.0.1
    /// before, still gets in over every protocol; a new address with the right password does not.
    @Test func distributedGuessesHitTheAccountLimitButNotItsOwner() async throws {
        let served = try await ServedHato.start(Self.config, accounts: Self.accounts)
        let result = try await Python.run(Self.clients + """
            print("owner before:", login("imap", "127.0.0.1", "dave@example.test", "right dave pw"))
            kinds = ["smtp", "imap", "pop3"]
            results, barrier = [None] * 60, threading.Barrier(60)
            def guess(i): results[i] = login(kinds[i % 3], "127.0.5.%d" % (i + 1), "dave@example.test", "guess %d" % i, barrier)
            threads = [threading.Thread(target=guess, args=(i,)) for i in range(60)]
            for t in threads: t.start()
            for t in threads: t.join()
            print("guesses:", results.count("wrong"), "wrong,", results.count("locked"), "locked")
            print("new address, right password:", login("pop3", "127.0.5.200", "dave@example.test", "right dave pw"))
            print("owner after:", *[login(kind, "127.0.0.1", "dave@example.test", "right dave pw") for kind in kinds])
            """, arguments: try ports(served), timeout: 120)
        #expect(result.stdout == """
            owner before: ok
            guesses: 10 wrong, 50 locked
            new address, right password: locked
            owner after: ok ok ok

            """, "\(result.stderr)")
        await served.stop()
    }

    /// A user name carrying CRLF, a forged fail2ban-style line and ESC, over SMTP AUTH PLAIN,
    /// an IMAP LOGIN literal and POP3 USER (no CRLF possible there): each failure is one log
    /// line with the name escaped; no forged line, no raw control character reaches the log.
    @Test func clientValuesCannotForgeLogLines() async throws {
        let served = try await ServedHato.start(Self.config, accounts: Self.accounts)
        let forged = "2026-12-04T00:00:00+0000 notice hato.smtp : remote=203.0.113.99 user=root [hato.smtp] authentication failed"
        let result = try await Python.run(Self.clients + """
            forged = sys.argv[4].encode()
            print(login("smtp", "127.0.0.1", b"evil\\r\\n" + forged + b"\\x1b[2J", "pw"))
            print(login("imap", "127.0.0.1", b"evil\\r\\n" + forged + b"\\x1b[2J", "pw"))
            print(login("pop3", "127.0.0.1", b"evil\\x1b[31m\\x00", "pw"))
            """, arguments: try ports(served) + [forged])
        #expect(result.stdout == "wrong\nwrong\nwrong\n", "\(result.stderr)")
        await served.stop()
        let log = served.process.errorOutput
        let failures = log.split(separator: "\n").filter { $0.contains("authentication failed") && $0.contains("remote=127.0.0.1") }
        #expect(failures.count == 3, "\(log)")
        #expect(failures.filter { $0.contains(#"user=evil\x0D\x0A2026-12-04T00:00:00+0000 notice"#) && $0.contains(#"\x1B[2J"#) }.count == 2, "\(failures)")
        #expect(failures.contains { $0.contains(#"user=evil\x1B[31m\x00"#) }, "\(failures)")
        #expect(!log.split(separator: "\n").contains { $0.hasPrefix("2026-12-04T00:00:00") }, "a forged line reached the log")
        #expect(!log.contains("\u{1B}") && !log.contains("\r") && !log.contains("\0"), "raw control characters in the log")
    }
}
