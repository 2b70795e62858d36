import IMAPProtocol
@testable import IMAPServer
import Logging
import MailStore
import SASL
import ServerRuntime
import Testing

/// The IMAP state machine alone, before and at login (RFC 9051 §3, §6.1, §6.2): events in,
/// actions out, no channel or socket.
@Suite struct IMAPSessionLoginTests {
    typealias M = IMAPMachine

    @Test func greetingCarriesTheCapabilitiesAndStartsTheLoginDeadline() {
        var session = IMAPSession(settings: M.settings(), tlsActive: false)
        var machine = IMAPMachine()
        machine.showTimers = true
        let lines = machine.render(session.handle(.greeting))
        #expect(lines == ["* OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE STARTTLS AUTH=SCRAM-SHA-256 AUTH=SCRAM-SHA-1 AUTH=PLAIN AUTH=LOGIN] Hato IMAP server ready",
                          "arm login 60s"])
    }

    /// RFC 9051 §6.2.3: a refused LOGIN leaves the session not authenticated; a right one
    /// enters the authenticated state with the new capabilities, and the clocks change.
    @Test func loginRefusedThenAccepted() {
        var machine = IMAPMachine()
        #expect(machine.say("a1 LOGIN alice wrong\r\na2 NOOP\r\n") == ["run checkPassword"])
        #expect(!machine.session.readsCommands, "nothing is read while the password is checked")
        #expect(machine.finish(.login(tag: "a1", .refused(.invalidCredentials))) == [
            "a1 NO [AUTHENTICATIONFAILED] Authentication failed", "a2 OK NOOP completed",
        ])
        #expect(machine.say("a3 LOGIN alice right\r\n") == ["run checkPassword"])
        #expect(machine.finish(.login(tag: "a3", .authenticated(SASLIdentity(username: M.user, mechanism: .plain)))) == ["run openSession"])
        machine.showTimers = true
        let reply = machine.finish(.session(tag: "a3", .success(M.alice)))
        #expect(reply.count == 3 && reply[0] == "cancel login" && reply[1] == "arm idle 1800s", "\(reply)")
        #expect(reply[2].hasPrefix("a3 OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE "))
        #expect(reply[2].hasSuffix(" APPENDLIMIT=1048576 COMPRESS=DEFLATE UNAUTHENTICATE] logged in"))
        #expect(machine.session.state.user?.address.description == M.user)
    }

    @Test func accountGoneOrTooManySessionsAfterTheCredentials() {
        var machine = IMAPMachine()
        _ = machine.say("a1 LOGIN alice pw\r\n")
        _ = machine.finish(.login(tag: "a1", .authenticated(SASLIdentity(username: M.user, mechanism: .plain))))
        #expect(machine.finish(.session(tag: "a1", .failure(.tooManySessions))) == ["a1 NO [LIMIT] too many sessions for this account"])
        #expect(machine.session.state.user == nil)
    }

    /// RFC 9051 §6.2.3 LOGINDISABLED, §6.2.1 STARTTLS: off loopback, no LOGIN before TLS; after
    /// STARTTLS the pipelined plaintext is gone, and STARTTLS is not offered again.
    @Test func loginWaitsForSTARTTLSAndPipelinedInputIsDiscarded() {
        var machine = IMAPMachine(loopback: false)
        #expect(machine.say("a1 LOGIN alice pw\r\n") == ["a1 NO [PRIVACYREQUIRED] plaintext login is disabled without TLS; use STARTTLS"])
        #expect(machine.say("a2 CAPABILITY\r\n") == [
            "* CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE STARTTLS LOGINDISABLED", "a2 OK CAPABILITY completed",
        ])
        #expect(machine.say("a3 STARTTLS\r\na4 LOGIN alice pw\r\n") == ["a3 OK Begin TLS negotiation now", "start TLS"])
        #expect(machine.session.tlsActive)
        #expect(machine.say("a5 STARTTLS\r\n") == ["a5 BAD TLS is already active"])
        #expect(machine.say("a6 LOGIN alice pw\r\n") == ["run checkPassword"])
    }

    @Test func startTLSNeedsTLSOnTheListenerAndComesBeforeLogin() {
        var plain = IMAPMachine(tlsAvailable: false)
        #expect(plain.say("a STARTTLS\r\n") == ["a NO TLS is not available on this listener"])
        var loggedIn = M.loggedIn()
        #expect(loggedIn.say("b STARTTLS\r\n") == ["b BAD already authenticated"])
        #expect(loggedIn.say("c LOGIN x y\r\n") == ["c BAD already authenticated"])
        #expect(loggedIn.say("d AUTHENTICATE PLAIN\r\n") == ["d BAD already authenticated"])
    }

    /// RFC 9051 §6.2.2: challenges as `+ base64`; the next line is the client's response even if
    /// it looks like a command; `*` cancels with BAD; invalid base64 is BAD too.
    @Test func authenticateChallengeThenCancel() async throws {
        var machine = IMAPMachine()
        #expect(machine.say("a1 AUTHENTICATE PLAIN\r\n") == ["run authenticate"])
        let authenticator = SASLAuthenticator(
            policy: SASLPolicy(), throttle: AuthThrottle(), lookup: SASLClosureLookup { _ in nil },
            configuration: SASLServerConfiguration(hostname: "mail.example.test", iterations: 4096))
        let connection = ConnectionContext(listener: "imaps", remoteAddress: nil, localAddress: nil, implicitTLS: true, tls: nil)
        let step = await SASLLogin.begin(mechanism: "PLAIN", initialResponse: nil, tlsActive: true, connection: connection,
                                         authenticator: authenticator, logger: Logger(label: "test"))
        guard case .challenge(_, let login) = step else { Issue.record("PLAIN without an initial response: \(step)"); return }
        #expect(machine.finish(.login(tag: "a1", step)) == ["+ "])
        #expect(machine.say("*\r\n") == ["run continueAuthentication"])
        guard case .continueAuthentication(let tag, _, let response)? = machine.lastStep else { Issue.record("no step"); return }
        #expect(tag == "a1" && response == "*")
        #expect(machine.finish(.login(tag: "a1", await login.respond("*"))) == ["a1 BAD Authentication cancelled"])
        #expect(machine.say("a2 SELECT INBOX\r\n") == ["a2 NO SELECT needs an authenticated session; log in first"])

        #expect(machine.say("a3 AUTHENTICATE PLAIN\r\n") == ["run authenticate"])
        #expect(machine.finish(.login(tag: "a3", .challenge("", login))) == ["+ "])
        #expect(machine.say("a4 NOOP\r\n") == ["a3 BAD Invalid base64 data"], "a response line, not a command")
        #expect(machine.say("a5 NOOP\r\n") == ["a5 OK NOOP completed"])
    }

    /// RFC 9051 §6.1-§6.4: commands of a later state get NO, unknown ones BAD; any-state
    /// commands work everywhere.
    @Test func commandsInTheWrongState() {
        var machine = IMAPMachine()
        for command in ["SELECT INBOX", "LIST \"\" *", "STATUS INBOX (MESSAGES)", "FETCH 1 FLAGS", "EXPUNGE", "IDLE"] {
            let name = command.split(separator: " ")[0]
            #expect(machine.say("t \(command)\r\n") == ["t NO \(name) needs an authenticated session; log in first"])
        }
        #expect(machine.say("t FROB\r\n") == ["t BAD unknown command"])
        #expect(machine.say("t NOOP\r\n") == ["t OK NOOP completed"])
        #expect(machine.say("t ID NIL\r\n") == ["* ID (\"name\" \"Hato\")", "t OK ID completed"])
        var loggedIn = M.loggedIn()
        for command in ["FETCH 1 FLAGS", "STORE 1 +FLAGS (\\Seen)", "CLOSE", "UNSELECT", "EXPUNGE", "UID SEARCH ALL", "MOVE 1 Trash"] {
            let name = command.hasPrefix("UID") ? "UID SEARCH" : String(command.split(separator: " ")[0])
            #expect(loggedIn.say("t \(command)\r\n") == ["t NO \(name) needs a selected mailbox; SELECT one first"])
        }
        // RFC 4978 §3: BAD for an unknown mechanism; OK, then the driver deflates; a second
        // COMPRESS gets BAD (§3 Result), with the COMPRESSIONACTIVE code.
        #expect(loggedIn.say("c COMPRESS GZIP\r\n") == ["c BAD unknown compression mechanism; DEFLATE is offered"])
        #expect(loggedIn.say("c compress deflate\r\n") == ["c OK DEFLATE active", "start DEFLATE"])
        #expect(loggedIn.say("c compress deflate\r\n") == ["c BAD [COMPRESSIONACTIVE] DEFLATE is already active"])
        // RFC 8437 is not offered on a compressed connection (§4.1 would end COMPRESS): BAD (§3).
        #expect(loggedIn.say("u UNAUTHENTICATE\r\n") == ["u BAD UNAUTHENTICATE is not offered while COMPRESS is active"])
        var uncompressed = M.loggedIn()
        #expect(uncompressed.say("u UNAUTHENTICATE\r\n").first == "u OK UNAUTHENTICATE completed; not authenticated")
        #expect(uncompressed.session.state.user == nil)
        #expect(machine.say("u UNAUTHENTICATE\r\n") == ["u BAD unexpected command"])
        #expect(loggedIn.say("t GETQUOTA \"other\"\r\n") == ["t NO [NONEXISTENT] no such quota root"])
    }

    /// RFC 9051 §6.1.3: BYE, then the tagged OK, then the connection closes; the session slot
    /// goes back and nothing more is read.
    @Test func logout() {
        var machine = M.loggedIn()
        #expect(machine.say("z LOGOUT\r\nafter NOOP\r\n") == [
            "* BYE mail.example.test logging out", "z OK LOGOUT completed", "release slot \(M.alice.accountID)", "close",
        ])
        #expect(machine.session.isClosed)
        #expect(machine.say("more NOOP\r\n").isEmpty)
        #expect(machine.event(.connectionClosed).isEmpty, "the slot is given back once")
    }

    /// A login that completes after the client left gives its session slot back at once.
    @Test func lateLoginAfterTheClientLeftReleasesTheSlot() {
        var machine = IMAPMachine()
        _ = machine.say("a LOGIN alice pw\r\n")
        _ = machine.finish(.login(tag: "a", .authenticated(SASLIdentity(username: M.user, mechanism: .plain))))
        #expect(machine.event(.connectionClosed).isEmpty)
        #expect(machine.finish(.session(tag: "a", .success(M.alice))) == ["release slot \(M.alice.accountID)"])
    }
}
