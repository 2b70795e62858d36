import IMAPProtocol
@testable import IMAPServer
import MailStore
import NIOCore
import SASL
import Testing

/// Clocks, shutdown and the one failure-to-reply mapping of the IMAP state machine, with no
/// channel or socket.
@Suite struct IMAPSessionLifecycleTests {
    typealias M = IMAPMachine

    /// The login deadline is not moved by bytes; once logged in it no longer applies, and the
    /// RFC 9051 §5.4 autologout counts from the last read. The timer is armed once (at login) and
    /// armed again for what is left when it fires before that.
    @Test func loginDeadlineAndAutologout() {
        var slow = IMAPMachine()
        slow.showTimers = true
        #expect(slow.say("a NOOP\r\n") == ["arm command 60s", "a OK NOOP completed"])
        #expect(slow.event(.loginTimeout) == [
            "* BYE autologout; no login within 60 seconds", "cancel idle", "cancel login", "cancel command", "close",
        ])
        var idle = M.loggedIn()
        #expect(idle.event(.loginTimeout).isEmpty, "logged in: the login deadline no longer applies")
        idle.showTimers = true
        idle.now = idle.now + .seconds(600)
        #expect(idle.say("n NOOP\r\n") == ["n OK NOOP completed"], "both timers armed since the LOGIN: a read arms nothing")
        idle.now = idle.now + .seconds(1200)
        #expect(idle.event(.idleTimeout(now: idle.now)) == ["arm idle 600s"], "1800 s since the login, 1200 s since the NOOP")
        idle.now = idle.now + .seconds(600)
        #expect(idle.event(.idleTimeout(now: idle.now)) == [
            "* BYE autologout; idle for too long", "cancel idle", "cancel login", "cancel command",
            "release slot \(M.alice.accountID)", "close",
        ])
        #expect(idle.say("m NOOP\r\n").isEmpty, "nothing is read after the BYE")
    }

    /// A command has `commandTimeout` from its first octet, plus a second per
    /// `minimumLiteralRate` octets; the server's own work or unread output does not count.
    @Test func commandDeadline() {
        var machine = M.loggedIn()
        machine.showTimers = true
        #expect(machine.say("a NOO").isEmpty, "the timer armed for the LOGIN is still armed")
        machine.now = machine.now + .seconds(30)
        #expect(machine.event(.commandTimer(now: machine.now, outputWritable: true)) == ["arm command 30s"], "not due yet")
        machine.now = machine.now + .seconds(31)
        #expect(machine.event(.commandTimer(now: machine.now, outputWritable: false)) == ["arm command 1s"],
                "output the client has not read is not its slowness")
        #expect(machine.event(.commandTimer(now: machine.now, outputWritable: true)) == [
            "* BYE command not received in time", "cancel idle", "cancel login", "cancel command",
            "release slot \(M.alice.accountID)", "close",
        ])

        var literal = M.loggedIn()
        literal.showTimers = true
        _ = literal.say("b APPEND INBOX {4096}\r\n")
        _ = literal.finish(.quota(tag: "b", overQuota: false))
        _ = literal.say(String(repeating: "x", count: 3000))
        literal.now = literal.now + .seconds(61)
        #expect(literal.event(.commandTimer(now: literal.now, outputWritable: true)) == ["arm command 1s"],
                "3000 octets at 1024 a second earn 2 more seconds")
    }

    /// The command timer is left armed after a command: firing with no command in progress it
    /// goes quiet (the next command arms it); armed for an earlier command, it is armed again for
    /// exactly what is left of the current one's time.
    @Test func commandTimerArmedOnceAcrossCommands() {
        var quiet = M.loggedIn()
        quiet.showTimers = true
        #expect(quiet.event(.commandTimer(now: quiet.now + .seconds(60), outputWritable: true)).isEmpty, "no command: nothing to do")
        #expect(quiet.say("b NOOP\r\n") == ["arm command 60s", "b OK NOOP completed"], "disarmed: the next command arms it")

        var late = M.loggedIn()
        late.showTimers = true
        late.now = late.now + .seconds(50)
        #expect(late.say("c NOO").isEmpty)
        late.now = late.now + .seconds(10)
        #expect(late.event(.commandTimer(now: late.now, outputWritable: true)) == ["arm command 50s"],
                "armed at the LOGIN: this command still has 50 of its 60 seconds")
        late.now = late.now + .seconds(50)
        #expect(late.event(.commandTimer(now: late.now, outputWritable: true)).first == "* BYE command not received in time")
    }

    /// Shutdown: an idle session says BYE at once; a running command finishes first.
    @Test func shutdownSaysBye() {
        var idle = M.loggedIn()
        #expect(idle.event(.shutdown) == ["* BYE [UNAVAILABLE] server shutting down", "release slot \(M.alice.accountID)", "close"])
        var busy = M.selected()
        #expect(busy.say("s STATUS INBOX (MESSAGES)\r\nn NOOP\r\n") == ["run status"])
        #expect(busy.event(.shutdown).isEmpty)
        #expect(busy.finish(.done(tag: "s", IMAPCompletion(untagged: [.data(.status(IMAPMailboxName("INBOX"), [IMAPStatusValue(.messages, 3)]))],
                                                            text: "STATUS completed"))) == [
            "* STATUS INBOX (MESSAGES 3)", "s OK STATUS completed", "n OK NOOP completed",
            "* BYE [UNAVAILABLE] server shutting down", "release slot \(M.alice.accountID)", "close",
        ])
    }

    /// `IMAPFailure.response` is the one place a failure becomes its tagged reply.
    @Test func failureMapping() {
        let cases: [(IMAPFailure, String)] = [
            (.needsAuthentication(command: "SELECT"), "NO SELECT needs an authenticated session; log in first"),
            (.alreadyAuthenticated, "BAD already authenticated"),
            (.plaintextLoginDisabled, "NO [PRIVACYREQUIRED] plaintext login is disabled without TLS; use STARTTLS"),
            (.authentication(.invalidCredentials), "NO [AUTHENTICATIONFAILED] Authentication failed"),
            (.authentication(.cancelled), "BAD Authentication cancelled"),
            (.authentication(.tooManyFailures), "NO [UNAVAILABLE] Too many failed attempts, try again later"),
            (.tooManySessions, "NO [LIMIT] too many sessions for this account"),
            (.messageTooLarge(limit: 10), "NO [TOOBIG] message larger than the limit of 10 octets"),
            (.overQuota, "NO [OVERQUOTA] the message would exceed your quota"),
            (.noSuchMailbox(.tryCreate), "NO [TRYCREATE] no such mailbox"),
            (.tooManyMailboxes(limit: 5), "NO [LIMIT] too many mailboxes; the limit is 5 per account"),
            (.patternTooLong(limit: 9), "BAD [LIMIT] LIST pattern longer than the limit of 9 octets"),
            (.readOnly, "NO [READ-ONLY] mailbox is read-only"),
            (.badCharset, "NO [BADCHARSET (UTF-8 US-ASCII ISO-2022-JP SHIFT_JIS WINDOWS-31J EUC-JP ISO-8859-1 WINDOWS-1252)] unsupported charset"),
            (.unknownCTE, "NO [UNKNOWN-CTE] unknown Content-Transfer-Encoding"),
            (.store(.quotaExceeded("alice")), "NO [OVERQUOTA] " + MailStoreError.quotaExceeded("alice").description),
            (.unavailable("search"), "NO [UNAVAILABLE] cannot search now"),
            (.command(IMAPCommandError(tag: "t", kind: .limitExceeded, message: "command too large"), preLoginLimit: 8192),
             "BAD [LIMIT] command larger than 8192 octets before login"),
            (.command(IMAPCommandError(tag: "t", kind: .literalTooLarge, message: "too big", synchronizing: true), preLoginLimit: nil),
             "NO [TOOBIG] too big"),
            (.command(IMAPCommandError(tag: "t", kind: .literalTooLarge, message: "too big", synchronizing: false), preLoginLimit: nil),
             "BAD [TOOBIG] too big"),
        ]
        var machine = IMAPMachine()
        for (failure, expected) in cases {
            #expect(machine.render(machine.session.fail("t", failure)) == ["t " + expected])
        }
    }

    /// Store failures let the waiting updates out first (expunges too); FETCH's do not let
    /// expunges out (RFC 9051 §7.5.1).
    @Test func updatesBeforeAFailure() {
        var machine = M.selected()
        let generation = machine.session.selectionGeneration
        _ = machine.event(.mailboxChanged(.expunged(uids: [3], modSeq: 8), generation: generation, outputWritable: true))
        _ = machine.event(.mailboxChanged(.appended(uid: 5, modSeq: 9, flags: MessageFlags()), generation: generation, outputWritable: true))
        #expect(machine.render(machine.session.fail("f", .unknownCTE)) == ["* 4 EXISTS", "f NO [UNKNOWN-CTE] unknown Content-Transfer-Encoding"])
        #expect(machine.render(machine.session.fail("g", .readOnly)) == ["g NO [READ-ONLY] mailbox is read-only"])
        #expect(machine.render(machine.session.fail("h", .store(.quotaExceeded("alice")))) == [
            "* 3 EXPUNGE", "h NO [OVERQUOTA] " + MailStoreError.quotaExceeded("alice").description,
        ])
    }
}
