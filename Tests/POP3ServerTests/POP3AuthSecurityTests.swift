import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import POP3Server
import SASL
import Testing

/// Logins over POP3 seen by an attacker and by old clients: SCRAM -PLUS bound to the TLS channel,
/// CRAM-MD5 for accounts that opted in only, brute-force throttling, and no user enumeration.
@Suite struct POP3AuthSecurityTests {
    static let password = "correct horse battery"

    struct Fixture {
        let directory: TemporaryDirectory
        let store: SQLiteMailStore
        let listener: TestListener

        func stop() async throws {
            try await listener.stop()
            try await store.close()
        }
    }

    /// alice opted into CRAM-MD5, bob did not; both have the same password.
    static func start(mechanisms: [SASLMechanismName] = SASLPolicy.defaultMechanisms, throttle: AuthThrottle = AuthThrottle(),
                      implicitTLS: Bool = false, iterations: Int = 4096) async throws -> Fixture {
        let directory = try TemporaryDirectory(prefix: "hato-pop3-auth")
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        let credentials = try Account.deriveCredentials(password: password, iterations: iterations)
        for name in ["alice", "bob"] {
            try await store.addAccount(try EmailAddress("\(name)@example.test"), credentials: credentials, quota: .unlimited)
        }
        try await store.setCredentials(try EmailAddress("alice@example.test"), credentials: credentials,
                                       cramMD5: CRAMMD5Credentials.derive(password: password))
        var configuration = POP3Configuration(hostname: "mail.example.test")
        configuration.sasl = SASLPolicy(mechanisms: mechanisms)
        configuration.scramIterations = iterations
        let server = POP3Server(configuration: configuration, store: store, throttle: throttle)
        let listener = try await TestListener.start(server, name: implicitTLS ? "pop3s" : "pop3", implicitTLS: implicitTLS)
        return Fixture(directory: directory, store: store, listener: listener)
    }

    @Test(.enabled(if: ScramAvailability.available || ScramAvailability.required, "scramp is not installed"))
    func scramPlusOverImplicitTLSAndSTLS() async throws {
        try #require(ScramAvailability.available, "CI is set but scramp is not installed")
        let implicit = try await Self.start(implicitTLS: true)
        let plain = try await Self.start()
        let result = try await Python.run(SClientDialog.prelude + """
            pw = sys.argv[3]
            for port, extra in [(sys.argv[1], []), (sys.argv[2], ["-starttls", "pop3"])]:
                peer = SClient(port, extra)
                if not extra: peer.reply(pop3_reply)   # the greeting
                peer.send("CAPA")
                capa = []
                while True:
                    line = peer.reply(lambda l: True)
                    if line == ".": break
                    if line.startswith("SASL "): capa.append(line)
                print(peer.version, capa[0])
                print(*scram_login(peer, "SCRAM-SHA-256-PLUS", "alice@example.test", pw, "AUTH", pop3_reply, "+ "))
                peer.close()
            """, arguments: ["\(implicit.listener.port)", "\(plain.listener.port)", Self.password])
        #expect(result.stdout == """
            TLSv1.3 SASL SCRAM-SHA-256-PLUS SCRAM-SHA-256 SCRAM-SHA-1-PLUS SCRAM-SHA-1 PLAIN LOGIN
            +OK 0 messages (0 octets) True
            TLSv1.3 SASL SCRAM-SHA-256-PLUS SCRAM-SHA-256 SCRAM-SHA-1-PLUS SCRAM-SHA-1 PLAIN LOGIN
            +OK 0 messages (0 octets) True

            """, "\(result.stderr)")
        try await implicit.stop()
        try await plain.stop()
    }

    /// RFC 2195 by hand through poplib: CRAM-MD5 is offered only when configured, works for the
    /// account that opted in, and fails for the one that did not exactly like a wrong password.
    @Test func cramMD5OnlyForAccountsThatOptedIn() async throws {
        let without = try await Self.start()
        let with = try await Self.start(mechanisms: SASLPolicy.defaultMechanisms + [.cramMD5])
        let result = try await Python.run("""
            import base64, hmac, poplib, sys
            def cram(port, user, password):
                p = poplib.POP3("127.0.0.1", int(port))
                try:
                    challenge = base64.b64decode(p._shortcmd("AUTH CRAM-MD5")[2:])
                    digest = hmac.new(password.encode(), challenge, "md5").hexdigest()
                    return p._shortcmd(base64.b64encode((user + " " + digest).encode()).decode()).decode()
                except poplib.error_proto as e:
                    return e.args[0].decode()
            without, with_, pw = sys.argv[1], sys.argv[2], sys.argv[3]
            print(poplib.POP3("127.0.0.1", int(without)).capa()["SASL"])
            print(cram(without, "alice@example.test", pw))
            print(poplib.POP3("127.0.0.1", int(with_)).capa()["SASL"])
            print(cram(with_, "alice@example.test", pw))
            print(cram(with_, "bob@example.test", pw))
            print(cram(with_, "alice@example.test", "wrong"))
            print(cram(with_, "nobody@example.test", pw))
            """, arguments: ["\(without.listener.port)", "\(with.listener.port)", Self.password])
        #expect(result.stdout == """
            ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN', 'LOGIN']
            -ERR Unrecognized authentication type
            ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN', 'LOGIN', 'CRAM-MD5']
            +OK 0 messages (0 octets)
            -ERR [AUTH] Authentication failed
            -ERR [AUTH] Authentication failed
            -ERR [AUTH] Authentication failed

            """, "\(result.stderr)")
        try await without.stop()
        try await with.stop()
    }

    /// After 2 failures replies wait; after 4 the client address is locked out, even with the
    /// right password, over USER/PASS and AUTH alike; unknown names count like known ones.
    @Test func bruteForceIsDelayedThenLockedOut() async throws {
        let throttle = AuthThrottle(configuration: .init(
            delayAfterFailures: 2, lockoutAfterFailures: 4, initialDelay: .milliseconds(1500), maximumDelay: .milliseconds(1500),
            lockoutDuration: .seconds(600)))
        let fixture = try await Self.start(throttle: throttle)
        let result = try await Python.run("""
            import base64, poplib, sys, time
            port, pw = int(sys.argv[1]), sys.argv[2]
            def userpass(user, password):
                p = poplib.POP3("127.0.0.1", port); p.user(user)
                start = time.monotonic()
                try: reply = p.pass_(password).decode()
                except poplib.error_proto as e: reply = e.args[0].decode()
                return reply, time.monotonic() - start
            def plain(user, password):
                p = poplib.POP3("127.0.0.1", port)
                start = time.monotonic()
                try: reply = p._shortcmd("AUTH PLAIN " + base64.b64encode(("\\0" + user + "\\0" + password).encode()).decode()).decode()
                except poplib.error_proto as e: reply = e.args[0].decode()
                return reply, time.monotonic() - start
            # Only a lower bound is checked: a delayed reply cannot come sooner than the delay,
            # while an undelayed one may be slow on a loaded machine.
            for attempt, delayed in [(userpass("alice@example.test", "wrong 1"), False), (plain("nobody@example.test", "wrong 2"), True),
                                     (userpass("bob@example.test", "wrong 3"), True), (plain("alice@example.test", "wrong 4"), True),
                                     (userpass("alice@example.test", pw), False), (plain("bob@example.test", pw), False)]:
                print(attempt[0] + ((" waited" if attempt[1] >= 1.5 else " too soon") if delayed else ""))
            """, arguments: ["\(fixture.listener.port)", Self.password])
        #expect(result.stdout == """
            -ERR [AUTH] Authentication failed
            -ERR [AUTH] Authentication failed waited
            -ERR [AUTH] Authentication failed waited
            -ERR [AUTH] Authentication failed waited
            -ERR [SYS/TEMP] Too many failed attempts, try again later
            -ERR [SYS/TEMP] Too many failed attempts, try again later

            """, "\(result.stderr)")
        try await fixture.stop()
    }

    /// Unknown users and wrong passwords: the same reply after comparable work (the PBKDF2 runs
    /// against stand-in keys with the same iteration count). Medians of interleaved attempts;
    /// 100,000 iterations make the PBKDF2 (tens of ms) what is measured, not scheduling noise
    /// while the rest of the suite loads the machine.
    @Test func unknownUsersTakeAsLongAsWrongPasswords() async throws {
        let throttle = AuthThrottle(configuration: .init(delayAfterFailures: 10_000, lockoutAfterFailures: 10_000))
        let fixture = try await Self.start(throttle: throttle, iterations: 100_000)
        let result = try await Python.run("""
            import poplib, statistics, sys, time
            port = int(sys.argv[1])
            def attempt(user):
                p = poplib.POP3("127.0.0.1", port); p.user(user)
                start = time.monotonic()
                try: p.pass_("not the password")
                except poplib.error_proto as e: reply = e.args[0].decode()
                elapsed = time.monotonic() - start
                p.quit()
                return reply, elapsed
            known, unknown, replies = [], [], set()
            for _ in range(15):
                for user, times in [("alice@example.test", known), ("nobody@example.test", unknown)]:
                    reply, elapsed = attempt(user); replies.add(reply); times.append(elapsed)
            print(sorted(replies))
            print(statistics.median(unknown) / statistics.median(known))
            """, arguments: ["\(fixture.listener.port)"], timeout: 120)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 2, let ratio = Double(lines[1]) else { Issue.record("\(result.stdout) \(result.stderr)"); return }
        #expect(lines[0] == "['-ERR [AUTH] Authentication failed']", "one reply for both")
        #expect(ratio > 0.4 && ratio < 2.5, "unknown/known median time ratio \(ratio)")
        try await fixture.stop()
    }
}
