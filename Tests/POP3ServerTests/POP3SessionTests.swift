import Logging
import MailStore
@testable import POP3Server
import SASL
import ServerRuntime
import Testing

/// The POP3 state machine alone: events in, actions out, no channel or socket.
@Suite struct POP3SessionTests {
    typealias F = POP3SessionFixtures

    @Test func greetingStartsTheAutologoutAndLoginTimers() {
        var session = POP3Session(
            settings: .init(hostname: "h", sasl: SASLPolicy(), loginTimeout: .seconds(90), loopback: true, stlsAvailable: false),
            tlsActive: false)
        #expect(render(session.handle(.greeting)) == ["+OK Hato POP3 server ready", "arm idle timer", "arm login timer 90s"])
    }

    /// RFC 1939 §7: PASS only right after USER; a refused PASS needs a new USER.
    @Test func userThenPassAndNothingElse() {
        var session = F.session()
        #expect(session.say("PASS secret") == ["-ERR send USER first"])
        #expect(session.say("USER \(F.user)") == ["+OK send PASS"])
        #expect(session.say("PASS secret") == ["run check password of \(F.user)"])
        #expect(!session.readsCommands, "no command is read while the password is checked")
        #expect(session.finish(.login(.refused(.invalidCredentials))) == ["-ERR [AUTH] Authentication failed"])
        #expect(session.readsCommands)
        #expect(session.say("PASS secret") == ["-ERR send USER first"])
    }

    /// RFC 2595 §2.2 and §4: no plaintext login before TLS off loopback; STLS once, then USER.
    @Test func plaintextWaitsForSTLS() {
        var session = F.session(loopback: false)
        #expect(session.say("USER \(F.user)") == ["-ERR [AUTH] plaintext authentication is disallowed without TLS; use STLS"])
        let before = session.say("CAPA")
        #expect(before.first?.hasSuffix(" | STLS | .") == true && !before[0].contains("| USER |"), "\(before)")
        #expect(session.say("STLS") == ["+OK begin TLS negotiation", "start TLS"])
        #expect(session.say("STLS") == ["-ERR TLS is already active"])
        let after = session.say("CAPA")
        #expect(after[0].contains("| USER |") && !after[0].contains("STLS"), "\(after)")
        #expect(session.say("USER \(F.user)") == ["+OK send PASS"])
    }

    @Test func stlsNeedsTLSConfiguredAndComesBeforeLogin() throws {
        var plain = F.session(stlsAvailable: false)
        #expect(plain.say("STLS") == ["-ERR TLS is not available"])
        #expect(!plain.say("CAPA")[0].contains("STLS"))
        var loggedIn = try F.loggedIn()
        #expect(loggedIn.say("STLS") == ["-ERR already logged in"])
    }

    /// RFC 5034 §4: the line after a challenge is the client's response, even if it looks like a
    /// command; "*" cancels, and the session is back in AUTHORIZATION.
    @Test func authChallengeThenCancel() async throws {
        var session = F.session()
        #expect(session.say("AUTH PLAIN") == ["run authenticate PLAIN"])
        let authenticator = SASLAuthenticator(
            policy: SASLPolicy(), throttle: AuthThrottle(), lookup: SASLClosureLookup { _ in nil },
            configuration: SASLServerConfiguration(hostname: "mail.example.test", iterations: 4096))
        let connection = ConnectionContext(listener: "pop3", remoteAddress: nil, localAddress: nil, implicitTLS: true, tls: nil)
        let step = await SASLLogin.begin(mechanism: "PLAIN", initialResponse: nil, tlsActive: true, connection: connection,
                                         authenticator: authenticator, logger: Logger(label: "test"))
        guard case .challenge(_, let login) = step else { Issue.record("PLAIN without an initial response: \(step)"); return }
        #expect(session.finish(.login(step)) == ["+ "])
        #expect(session.say("QUIT") == ["run respond QUIT"], "a response, not a command")
        #expect(session.finish(.login(.challenge("", login))) == ["+ "])
        #expect(session.say("*") == ["run respond *"])
        #expect(session.finish(.login(await login.respond("*"))) == ["-ERR Authentication cancelled"])
        #expect(session.say("STAT") == ["-ERR not allowed before login"])
    }

    @Test func authWithoutArgumentsListsTheMechanisms() {
        var session = F.session(tlsActive: true)
        #expect(session.say("AUTH") == ["+OK methods supported: | SCRAM-SHA-256 | SCRAM-SHA-1 | PLAIN | LOGIN | ."])
    }

    @Test func commandsInTheWrongState() throws {
        var session = F.session()
        for command in ["STAT", "LIST", "UIDL 1", "RETR 1", "TOP 1 0", "DELE 1", "RSET", "NOOP"] {
            #expect(session.say(command) == ["-ERR not allowed before login"], "\(command)")
        }
        #expect(session.say("APOP alice 0123") == ["-ERR APOP is not offered (it needs the password stored in plaintext)"])
        #expect(session.say("XYZZY") == ["-ERR unknown command XYZZY"])
        #expect(render(session.handle(.line(.tooLong))) == ["arm idle timer", "-ERR line too long"])
        var loggedIn = try F.loggedIn()
        for command in ["USER bob", "PASS x", "AUTH PLAIN", "APOP a b", "STLS"] {
            #expect(loggedIn.say(command) == ["-ERR already logged in"], "\(command)")
        }
        #expect(loggedIn.say("NOOP") == ["+OK"])
    }

    /// RFC 1939 §5-6: DELE marks, RSET unmarks, QUIT's UPDATE removes the marked messages; the
    /// lock goes before the +OK so a client reconnecting at once finds the maildrop free.
    @Test func deleRsetAndQuitUpdate() throws {
        var session = try F.loggedIn()
        #expect(session.say("DELE 2") == ["+OK message 2 deleted"])
        #expect(session.say("DELE 2") == ["-ERR no such message, or it is marked deleted: 2"])
        #expect(session.say("RETR 2") == ["-ERR no such message, or it is marked deleted: 2"])
        #expect(session.say("STAT") == ["+OK 2 40"])
        #expect(session.say("LIST") == ["+OK 2 messages | 1 10 | 3 30 | ."])
        #expect(session.say("UIDL 3") == ["+OK 3 42.3"])
        #expect(session.say("RSET") == ["+OK maildrop has 3 messages (60 octets)"])
        #expect(session.say("DELE 1") == ["+OK message 1 deleted"])
        #expect(session.say("DELE 3") == ["+OK message 3 deleted"])
        #expect(session.say("QUIT") == ["run update deleting [1, 3]"])
        #expect(!session.readsCommands)
        #expect(session.finish(.updated(.success(2))) == ["release lock 7", "+OK mail.example.test signing off (2 deleted)", "close"])
        #expect(session.isClosed)
        #expect(render(session.handle(.line(.line("NOOP")))).isEmpty, "input after the goodbye is dropped")
        #expect(render(session.handle(.connectionClosed)) == ["cancel timers"], "the lock is released once")
    }

    @Test func failedUpdateStillReleasesTheLockAndCloses() throws {
        var session = try F.loggedIn()
        #expect(session.say("DELE 1") == ["+OK message 1 deleted"])
        #expect(session.say("QUIT") == ["run update deleting [1]"])
        #expect(session.finish(.updated(.failure(.updateFailed))) == ["release lock 7", "-ERR [SYS/TEMP] some deleted messages were not removed", "close"])
    }

    @Test func quitBeforeLoginClosesWithoutUpdate() {
        var session = F.session()
        #expect(session.say("QUIT") == ["+OK mail.example.test closing connection", "close"])
        #expect(session.isClosed)
    }

    @Test func retrAndTopReadTheBody() throws {
        var session = try F.loggedIn()
        #expect(session.say("RETR 1") == ["run read 1"])
        #expect(session.finish(.message(.success(Array("a\r\n.b\r\n".utf8)), topLines: nil)) == ["+OK 7 octets | a | ..b | ."])
        #expect(session.say("TOP 3 0") == ["run read 3 top 0"])
        #expect(session.finish(.message(.success(Array("S: x\r\n\r\nbody\r\n".utf8)), topLines: 0)) == ["+OK top of message follows | S: x |  | ."])
        #expect(session.say("RETR 2") == ["run read 2"])
        #expect(session.finish(.message(.failure(.messageUnreadable), topLines: nil)) == ["-ERR [SYS/TEMP] cannot read that message now"])
    }

    /// A login that completes after the client left gives its lock straight back, unanswered.
    @Test func clientLeavingWhileTheMaildropOpensReleasesTheLock() throws {
        var session = F.session()
        #expect(session.say("USER \(F.user)") == ["+OK send PASS"])
        #expect(session.say("PASS secret") == ["run check password of \(F.user)"])
        #expect(session.finish(.login(.authenticated(SASLIdentity(username: F.user, mechanism: .plain)))) == ["run open maildrop of \(F.user)"])
        #expect(render(session.handle(.connectionClosed)) == ["cancel timers"])
        #expect(render(session.handle(.stepFinished(.maildrop(.success(try F.maildrop()))))) == ["release lock 7"])
    }

    @Test func clientLeavingInTransactionReleasesTheLockAndDeletesNothing() throws {
        var session = try F.loggedIn()
        #expect(session.say("DELE 1") == ["+OK message 1 deleted"])
        #expect(render(session.handle(.connectionClosed)) == ["release lock 7", "cancel timers"])
        #expect(session.isClosed)
    }

    @Test func lockedMaildropLeavesTheSessionInAuthorization() {
        var session = F.session()
        _ = session.say("USER \(F.user)")
        _ = session.say("PASS secret")
        _ = session.finish(.login(.authenticated(SASLIdentity(username: F.user, mechanism: .plain))))
        #expect(session.finish(.maildrop(.failure(.maildropLocked))) == ["-ERR [IN-USE] maildrop already locked by another session"])
        #expect(session.say("STAT") == ["-ERR not allowed before login"])
    }

    /// RFC 1939 §3 autologout and `limits.pop3_login_timeout`: the server's own wait does not
    /// count, and neither timer deletes anything.
    @Test func timeouts() throws {
        var waiting = F.session()
        _ = waiting.say("USER \(F.user)")
        _ = waiting.say("PASS secret")
        #expect(render(waiting.handle(.idleTimeout)) == ["arm idle timer"])
        #expect(render(waiting.handle(.loginTimeout)) == ["arm login timer 1s"])

        var slow = F.session()
        #expect(render(slow.handle(.loginTimeout)) == ["-ERR login took too long", "cancel timers", "close"])
        #expect(render(slow.handle(.idleTimeout)).isEmpty)

        var idle = try F.loggedIn()
        #expect(render(idle.handle(.loginTimeout)).isEmpty, "logged in: the login deadline no longer applies")
        #expect(render(idle.handle(.idleTimeout)) == ["-ERR autologout: idle for too long", "release lock 7", "cancel timers", "close"])
    }

    /// Shutdown waits for a running step and for input already buffered, then says goodbye.
    @Test func shutdownWaitsForTheRunningStep() throws {
        var session = try F.loggedIn()
        #expect(session.say("RETR 1") == ["run read 1"])
        #expect(render(session.handle(.shutdown)).isEmpty)
        #expect(session.finish(.message(.success(Array("x\r\n".utf8)), topLines: nil)) == ["+OK 3 octets | x | ."])
        #expect(render(session.handle(.inputDrained)) == ["-ERR [SYS/TEMP] server shutting down, nothing was deleted", "release lock 7", "close"])

        var idle = F.session()
        #expect(render(idle.handle(.shutdown)) == ["-ERR [SYS/TEMP] server shutting down, nothing was deleted", "close"])
        #expect(render(idle.handle(.shutdown)).isEmpty)
    }

    /// `POP3Failure.response` is the one mapping to `-ERR` lines and RFC 2449/3206 codes.
    @Test func failuresMapToResponseCodes() {
        func line(_ failure: POP3Failure) -> String { render([.send(.failure(failure))])[0] }
        #expect(line(.authentication(.tooManyFailures)) == "-ERR [SYS/TEMP] Too many failed attempts, try again later")
        #expect(line(.authentication(.encryptionRequired)) == "-ERR [AUTH] Use TLS before authenticating")
        #expect(line(.authentication(.unsupportedMechanism)) == "-ERR Unrecognized authentication type")
        #expect(line(.maildropUnavailable) == "-ERR [SYS/TEMP] cannot open the maildrop now")
        #expect(line(.unparsable(.syntax("RETR: the argument is not a number"))) == "-ERR RETR: the argument is not a number")
    }
}
