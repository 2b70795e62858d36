import Foundation
import HatoTesting
import IMAPServer
import MailCore
import MailStore
import SASL
import Testing

/// Issue #5: IMAP LOGIN and AUTHENTICATE are throttled exactly like SMTP AUTH and POP3: the
/// shared password check, replies held for the throttle's delay, then a lockout answered with
/// the shared `SASLFailure.imapReply` (NO [UNAVAILABLE]).
@Suite struct IMAPAuthThrottleTests {
    /// After 2 failures replies wait; after 4 the client is locked out even with the right
    /// password, over LOGIN and AUTHENTICATE alike; unknown names count like known ones and get
    /// the same answer as wrong passwords.
    @Test func bruteForceIsDelayedThenLockedOut() async throws {
        let throttle = AuthThrottle(configuration: .init(
            delayAfterFailures: 2, lockoutAfterFailures: 4, initialDelay: .milliseconds(1500), maximumDelay: .milliseconds(1500),
            lockoutDuration: .seconds(600)))
        let fixture = try await IMAPFixture.make(throttle: throttle)
        try await fixture.store.addAccount(
            try EmailAddress("bob@example.test"),
            credentials: try Account.deriveCredentials(password: IMAPFixture.password, iterations: 4096), quota: .unlimited)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import base64, imaplib, sys, time
            port, pw = int(sys.argv[1]), sys.argv[2]
            def login(user, password):
                M = imaplib.IMAP4("127.0.0.1", port)
                start = time.monotonic()
                try: reply = M.login(user, password)[0]
                except imaplib.IMAP4.error as e: reply = e.args[0].decode() if isinstance(e.args[0], bytes) else str(e)
                return reply, time.monotonic() - start
            def plain(user, password):
                M = imaplib.IMAP4("127.0.0.1", port)
                start = time.monotonic()
                try: reply = M.authenticate("PLAIN", lambda _: ("\\0" + user + "\\0" + password).encode())[0]
                except imaplib.IMAP4.error as e: reply = e.args[0].decode() if isinstance(e.args[0], bytes) else str(e)
                return reply, time.monotonic() - start
            # Only a lower bound is checked: a delayed reply cannot come sooner than the delay,
            # while an undelayed one may be slow on a loaded machine.
            for attempt, delayed in [(login("alice@example.test", "wrong 1"), False), (login("nobody@example.test", "wrong 2"), True),
                                     (plain("bob@example.test", "wrong 3"), True), (login("alice@example.test", "wrong 4"), True),
                                     (login("alice@example.test", pw), False), (plain("bob@example.test", pw), False)]:
                print(attempt[0] + ((" waited" if attempt[1] >= 1.5 else " too soon") if delayed else ""))
            """, arguments: ["\(listener.port)", IMAPFixture.password])
        #expect(result.stdout == """
            [AUTHENTICATIONFAILED] Authentication failed
            [AUTHENTICATIONFAILED] Authentication failed waited
            [AUTHENTICATIONFAILED] Authentication failed waited
            [AUTHENTICATIONFAILED] Authentication failed waited
            [UNAVAILABLE] Too many failed attempts, try again later
            [UNAVAILABLE] Too many failed attempts, try again later

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// A success after a failure is held as long as a failure would be at that point, so a quick
    /// answer never betrays a right guess.
    @Test func successIsHeldLikeAFailure() async throws {
        let throttle = AuthThrottle(configuration: .init(
            delayAfterFailures: 1, lockoutAfterFailures: 10, initialDelay: .milliseconds(1500), maximumDelay: .milliseconds(1500),
            lockoutDuration: .seconds(600)))
        let fixture = try await IMAPFixture.make(throttle: throttle)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys, time
            port, pw = int(sys.argv[1]), sys.argv[2]
            def login(password):
                M = imaplib.IMAP4("127.0.0.1", port)
                start = time.monotonic()
                try: reply = M.login("alice@example.test", password)[0]
                except imaplib.IMAP4.error as e: reply = e.args[0].decode() if isinstance(e.args[0], bytes) else str(e)
                return reply, time.monotonic() - start
            first = login("wrong"); print(first[0])
            ok = login(pw); print(ok[0], "waited" if ok[1] >= 1.5 else "too soon")
            """, arguments: ["\(listener.port)", IMAPFixture.password])
        #expect(result.stdout == """
            [AUTHENTICATIONFAILED] Authentication failed
            OK waited

            """, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }
}
