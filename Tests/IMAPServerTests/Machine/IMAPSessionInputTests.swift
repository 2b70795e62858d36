import IMAPProtocol
@testable import IMAPServer
import MailStore
import SASL
import Testing

/// Literals, limits and byte-at-a-time input through the IMAP state machine (RFC 9051 §4.3,
/// §7.5; RFC 7888 LITERAL+ and LITERAL-), with no channel or socket.
@Suite struct IMAPSessionInputTests {
    typealias M = IMAPMachine

    /// RFC 9051 §7.5: a synchronizing literal waits for `+`; the command goes on after it.
    @Test func synchronizingLiteralGetsAContinuation() {
        var machine = IMAPMachine()
        #expect(machine.say("a1 LOGIN {5}\r\n") == ["+ Ready for literal data", "quick ack"])
        #expect(machine.say("alice {6}\r\n") == ["+ Ready for literal data", "quick ack"])
        #expect(machine.say("secret\r\n") == ["run checkPassword"])
        guard case .checkPassword(_, let username, let password)? = machine.lastStep else { Issue.record("no step"); return }
        #expect(username == "alice" && password == "secret")
    }

    /// A literal over the limit of its command is refused before the client sends it: the
    /// pre-login command size, NO before login for APPEND (nothing large is taken from an
    /// unauthenticated peer), BAD [TOOBIG] for a non-APPEND command, NO [TOOBIG] over the message
    /// size limit (RFC 4469).
    @Test func synchronizingLiteralRefusals() {
        var machine = IMAPMachine()
        #expect(machine.say("a1 LOGIN {70000}\r\n") == ["a1 BAD [LIMIT] command larger than 65536 octets before login"])
        #expect(machine.say("a2 APPEND INBOX {10}\r\n") == ["a2 NO APPEND needs an authenticated session; log in first"])
        #expect(machine.say("a3 NOOP\r\n") == ["a3 OK NOOP completed"], "the refused octets were never sent; the session goes on")
        var loggedIn = M.loggedIn()
        #expect(loggedIn.say("b0 SEARCH TEXT {70000}\r\n") == ["b0 BAD [TOOBIG] literal too large for this command"])
        #expect(loggedIn.say("b1 APPEND INBOX {2000000}\r\n") == ["b1 NO [TOOBIG] literal larger than the limit of 1048576 octets"])
        #expect(loggedIn.say("b2 APPEND INBOX {10}\r\n") == ["run checkQuota"])
        #expect(loggedIn.finish(.quota(tag: "b2", overQuota: true)) == ["b2 NO [OVERQUOTA] the message would exceed your quota"])
        #expect(loggedIn.say("b3 APPEND INBOX (\\Seen) {10}\r\n") == ["run checkQuota"])
        #expect(loggedIn.finish(.quota(tag: "b3", overQuota: false)) == ["+ Ready for literal data", "quick ack"])
        #expect(loggedIn.say("0123456789\r\n") == ["run append"])
        guard case .append(let tag, let name, let requests, _, let recent)? = loggedIn.lastStep, recent == nil else { Issue.record("no step"); return }
        let literals = requests.map { request -> [UInt8]? in
            guard request.parts.count == 1, case .bytes(let bytes) = request.parts[0] else { return nil }
            return bytes
        }
        #expect(tag == "b3" && name.name == "INBOX" && literals == [Array("0123456789".utf8)])
        #expect(requests.first?.flags.system == .seen)
    }

    /// RFC 7888 §5: a non-synchronizing literal over 4096 octets gets BAD [TOOBIG], its octets
    /// are skipped, and the session goes on; one larger than any command ends the session
    /// (RFC 7888 §4) rather than reading octets that may never end.
    @Test func literalMinusLimits() {
        var limits = IMAPLimits()
        limits.maxNonSynchronizingLiteralSize = IMAPLimits.literalMinusMaximum
        var machine = IMAPMachine(limits: limits)
        #expect(machine.say("l1 LOGIN \(M.user) secret\r\n") == ["run checkPassword"])
        _ = machine.finish(.login(tag: "l1", .authenticated(SASLIdentity(username: M.user, mechanism: .plain))))
        _ = machine.finish(.session(tag: "l1", .success(M.alice)))
        let big = String(repeating: "x", count: 5000)
        #expect(machine.say("a1 APPEND INBOX {5000+}\r\n\(big)\r\na2 NOOP\r\n") == [
            "a1 BAD [TOOBIG] non-synchronizing literal larger than 4096 octets (LITERAL-); send it as a synchronizing literal",
            "a2 OK NOOP completed",
        ])
        #expect(machine.say("a3 APPEND INBOX {9223372036854775807+}\r\n") == [
            "a3 BAD [TOOBIG] literal larger than the limit of 1048576 octets",
            "* BYE [TOOBIG] literal too large to skip; closing",
            "release slot \(M.alice.accountID)", "close",
        ])
        #expect(machine.session.isClosed)
    }

    /// Before login a command is small (`maxUnauthenticatedCommandSize`); after, the limit is
    /// the general one.
    @Test func commandSizeBeforeLogin() {
        var limits = IMAPLimits()
        limits.maxUnauthenticatedCommandSize = 1024
        var machine = IMAPMachine(limits: limits)
        let long = String(repeating: "a", count: 900)
        let reply = machine.say("a1 LOGIN {900}\r\n\(long) {900}\r\n\(long)\r\na2 NOOP\r\n")
        #expect(reply.contains("a1 BAD [LIMIT] command larger than 1024 octets before login"), "\(reply)")
        #expect(reply.last == "a2 OK NOOP completed")
    }

    /// Bad syntax is answered and the session goes on (RFC 9051 §7.1.3).
    @Test func syntaxErrors() {
        var machine = IMAPMachine()
        #expect(machine.say("a1 LOGIN\r\n\r\na2 NOOP\r\n") == ["a1 BAD expected SP", "* BAD missing or invalid tag", "a2 OK NOOP completed"])
    }

    /// The same dialog, with steps finishing in between, gives the same responses whether the
    /// client's bytes come at once or one at a time.
    @Test func byteByByteGivesTheSameDialog() {
        let script: [(client: String, result: IMAPStepResult?)] = [
            ("a1 CAPABILITY\r\na2 LOGIN {5}\r\n", nil),
            ("alice {6}\r\n", nil),
            ("secret\r\n", .login(tag: "a2", .authenticated(SASLIdentity(username: M.user, mechanism: .plain)))),
            ("", .session(tag: "a2", .success(M.alice))),
            ("a3 SELECT INBOX\r\n", .selected(M.selectOutcome(tag: "a3"))),
            ("a4 NOOP\r\na5 STORE 9 +FLAGS (\\Seen)\r\na6 FROB\r\n", nil),
            ("a7 IDLE\r\n", nil),
            ("DONE\r\n", nil),
            ("a8 LOGOUT\r\n", nil),
        ]
        func play(byteByByte: Bool) -> [String] {
            var machine = IMAPMachine()
            var lines: [String] = []
            for (client, result) in script {
                lines += byteByByte ? machine.sayByteByByte(client) : machine.say(client)
                if let result { lines += machine.finish(result) }
            }
            return lines
        }
        let whole = play(byteByByte: false)
        #expect(whole.contains("a3 OK [READ-WRITE] SELECT completed"), "\(whole)")
        #expect(whole.contains("a5 BAD message sequence number out of range"))
        #expect(whole.contains("+ idling") && whole.contains("a7 OK IDLE terminated"))
        #expect(whole.suffix(4) == ["* BYE mail.example.test logging out", "a8 OK LOGOUT completed", "release slot \(M.alice.accountID)", "close"])
        #expect(play(byteByByte: true) == whole)
    }
}
