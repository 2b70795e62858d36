import Logging
import NIOCore
import SASL
import SMTPProtocol
@testable import SMTPServer
import ServerRuntime
import Testing

/// STARTTLS, AUTH, the timer and shutdown, on the state machine alone (`SMTPSessionDriver`).
@Suite struct SMTPSessionSecurityTests {
    typealias Driver = SMTPSessionDriver

    /// RFC 3207 §4.2: what the client pipelined behind STARTTLS is dropped unread (CVE-2011-0411
    /// class), the session forgets HELO, and STARTTLS is not offered again; on port 25 AUTH is
    /// offered only now.
    @Test func startTLSDropsPipelinedInputAndResetsTheSession() {
        var session = Driver(loopback: false)
        let before = session.say("EHLO c.test\r\n")
        #expect(before[0].hasSuffix("250 STARTTLS") && !before[0].contains("AUTH"), "\(before)")
        #expect(session.say("STARTTLS\r\nMAIL FROM:<evil@remote.test>\r\n") == ["220 2.0.0 Ready to start TLS", "start TLS"])
        #expect(session.input.readableBytes == 0, "the pipelined MAIL was dropped")
        #expect(session.session.tlsActive)
        #expect(session.say("MAIL FROM:<a@remote.test>\r\n") == ["503 5.5.1 Send EHLO or HELO first"])
        let after = session.say("EHLO c.test\r\n")
        #expect(!after[0].contains("STARTTLS") && after[0].contains("250 AUTH "), "\(after)")
        #expect(session.say("STARTTLS\r\n") == ["502 5.5.1 Command not implemented"], "not offered once TLS is up")
    }

    @Test func startTLSWithoutTLSConfigured() {
        var session = Driver(startTLSAvailable: false)
        #expect(!session.say("EHLO c.test\r\n")[0].contains("STARTTLS"))
        #expect(session.say("STARTTLS\r\nNOOP\r\n") == ["502 5.5.1 Command not implemented", "250 2.0.0 OK"])
    }

    /// RFC 8689 §2: REQUIRETLS is offered only over TLS; MAIL ... REQUIRETLS without TLS is
    /// 530 5.7.10, with TLS it tags the transaction, and the parameter takes no value.
    @Test func requireTLSOnlyOverTLS() {
        var session = Driver(loopback: false)
        #expect(!session.say("EHLO c.test\r\n")[0].contains("REQUIRETLS"))
        #expect(session.say("MAIL FROM:<a@remote.test> REQUIRETLS\r\n") == ["530 5.7.10 REQUIRETLS needs a TLS session: use STARTTLS first"])
        #expect(session.session.transaction == nil)
        #expect(session.say("STARTTLS\r\n") == ["220 2.0.0 Ready to start TLS", "start TLS"])
        #expect(session.say("EHLO c.test\r\n")[0].contains("REQUIRETLS"))
        #expect(session.say("MAIL FROM:<a@remote.test> REQUIRETLS=YES\r\n")[0].hasPrefix("501 5.5.4"))
        #expect(session.say("MAIL FROM:<a@remote.test> REQUIRETLS\r\n")[0].hasPrefix("250 "))
        #expect(session.session.transaction?.reception.parameters.requireTLS == true)
        var submission = Driver(profile: .submission, tlsActive: true)
        #expect(submission.say("EHLO c.test\r\n")[0].contains("REQUIRETLS"), "implicit TLS (465) offers it at once")
    }

    /// RFC 4954 §4: on port 25 AUTH needs TLS first (538); on submission MAIL needs AUTH (530).
    @Test func authNeedsTLSOnPort25AndSubmissionNeedsAuth() {
        var mx = Driver(profile: .mx, loopback: false)
        _ = mx.say("EHLO c.test\r\n")
        #expect(mx.say("AUTH PLAIN\r\n") == ["538 5.7.11 Encryption required for requested authentication mechanism"])
        var submission = Driver(profile: .submission)
        _ = submission.say("EHLO c.test\r\n")
        #expect(submission.say("MAIL FROM:<alice@example.test>\r\n") == ["530 5.7.0 Authentication required"])
    }

    /// RFC 4954 §4: after 334 the next line is the client's response, even when it looks like a
    /// command that changes framing (DATA); "*" cancels with 501, which is not a protocol error.
    @Test func authChallengeThenCancel() async throws {
        var session = Driver(profile: .submission)
        _ = session.say("EHLO c.test\r\n")
        #expect(session.say("AUTH PLAIN\r\n") == ["run authenticate PLAIN"])
        let login = try await Self.plainLogin()
        #expect(session.finish(.login(.challenge("", login))) == ["334 "])
        #expect(session.say("DATA\r\n") == ["run respond DATA"], "a response, not a command")
        #expect(session.finish(.login(.challenge("", login))) == ["334 "])
        #expect(session.say("*\r\n") == ["run respond *"])
        #expect(session.finish(.login(await login.respond("*"))) == ["501 5.5.2 Authentication cancelled"])
        #expect(session.session.errors == 0)
        #expect(session.say("NOOP\r\n") == ["250 2.0.0 OK"], "commands are read again")
    }

    @Test func authSucceedsOnceTheAccountIsFound() throws {
        var session = Driver(profile: .submission)
        _ = session.say("EHLO c.test\r\n")
        #expect(session.say("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABzZWNyZXQ=\r\n") == ["run authenticate PLAIN"])
        let identity = SASLIdentity(username: "alice@example.test", mechanism: .plain)
        #expect(session.finish(.login(.authenticated(identity))) == ["run look up alice@example.test"])
        #expect(session.finish(.account(try Driver.account("alice@example.test"), identity)) == ["235 2.7.0 Authentication successful"])
        #expect(!session.say("EHLO c.test\r\n")[0].contains("AUTH"), "AUTH is not offered once authenticated")
        #expect(session.say("AUTH PLAIN\r\n") == ["503 5.5.1 Already authenticated"])
        #expect(session.say("MAIL FROM:<alice@example.test>\r\n") == ["250 2.1.0 Sender OK"])
    }

    @Test func authRefusalsAndOverlongResponses() async throws {
        var session = Driver(profile: .submission)
        _ = session.say("EHLO c.test\r\nAUTH PLAIN\r\n")
        #expect(session.finish(.login(.refused(.invalidCredentials))) == ["535 5.7.8 Authentication credentials invalid"])
        #expect(session.say("AUTH PLAIN\r\n") == ["run authenticate PLAIN"])
        let identity = SASLIdentity(username: "gone@example.test", mechanism: .plain)
        _ = session.finish(.login(.authenticated(identity)))
        #expect(session.finish(.account(nil, identity)) == ["535 5.7.8 Authentication credentials invalid"])
        _ = session.say("AUTH LOGIN\r\n")
        #expect(session.finish(.login(.challenge("VXNlcm5hbWU6", try await Self.plainLogin()))) == ["334 VXNlcm5hbWU6"])
        #expect(session.say(String(repeating: "A", count: 13_000) + "\r\n") == ["500 5.5.6 Authentication exchange line is too long"])
        #expect(session.say("NOOP\r\n") == ["250 2.0.0 OK"])
        #expect(session.session.errors == 1, "only the over-long line counts")
    }

    /// RFC 5321 §4.5.3.2: one timer, re-armed after every read; a silent client hears 421 4.4.2
    /// (with the data-phase text inside DATA); a step still running is the server's wait.
    @Test func timeouts() throws {
        var limits = SMTPLimits(maxMessageSize: 100_000)
        limits.commandTimeout = .seconds(60)
        limits.dataTimeout = .seconds(20)
        var session = Driver(limits: limits)
        session.input.writeString("EHLO c.test\r\n")
        #expect(session.render(session.session.receive(&session.input)).last == "arm timer 60s")
        session.clock.advance(by: .seconds(30))
        session.input.writeString("NO")
        #expect(session.render(session.session.receive(&session.input)) == ["arm timer 30s"], "a partial line moves no deadline")
        #expect(session.say("OP\r\n") == ["250 2.0.0 OK"])
        #expect(session.say("MAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\n").count == 2)
        #expect(session.event(.timeout) == ["arm timer 60s"], "the RCPT step is still running")
        #expect(try session.finishRecipient() == ["250 2.1.5 Recipient OK"])
        session.input.writeString("DATA\r\nSubject: slow\r\n")
        #expect(session.render(session.session.receive(&session.input)).last == "arm timer 20s", "the data timer now")
        #expect(session.event(.timeout) == ["421 4.4.2 mail.example.test timeout waiting for message data", "close"])
        #expect(session.event(.timeout).isEmpty)
        var idle = Driver()
        #expect(idle.event(.timeout) == ["421 4.4.2 mail.example.test timeout, closing connection", "close"])
    }

    /// RFC 5321 §3.8: shutdown says 421 at once when idle; otherwise after the running command
    /// and what was already buffered behind it.
    @Test func shutdown() throws {
        var idle = Driver()
        #expect(idle.event(.shutdown) == ["421 4.3.2 mail.example.test Service not available, closing transmission channel", "close"])
        var busy = Driver()
        #expect(busy.say("EHLO c.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\nNOOP\r\n").count == 3)
        #expect(busy.event(.shutdown).isEmpty, "the RCPT step finishes first")
        #expect(try busy.finishRecipient() == ["250 2.1.5 Recipient OK", "250 2.0.0 OK",
                                               "421 4.3.2 mail.example.test Service not available, closing transmission channel",
                                               "close"])
    }

    /// A result that arrives after the client left is dropped.
    @Test func stepResultAfterTheClientLeft() {
        var session = Driver()
        _ = session.say("EHLO c.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\n")
        #expect(session.event(.connectionClosed) == ["cancel timer"])
        #expect(session.render(session.session.handle(.stepFinished(.helo(nil)))).isEmpty)
        #expect(session.render(session.session.receive(&session.input)) == ["cancel timer"])
    }

    static func plainLogin() async throws -> SASLLogin {
        let authenticator = SASLAuthenticator(
            policy: SASLPolicy(), throttle: AuthThrottle(), lookup: SASLClosureLookup { _ in nil },
            configuration: SASLServerConfiguration(hostname: "mail.example.test", iterations: 4096))
        let connection = ConnectionContext(listener: "submission", remoteAddress: nil, localAddress: nil, implicitTLS: true, tls: nil)
        let step = await SASLLogin.begin(mechanism: "PLAIN", initialResponse: nil, tlsActive: true, connection: connection,
                                         authenticator: authenticator, logger: Logger(label: "test"))
        guard case .challenge(_, let login) = step else { throw SASLFailure.invalidCredentials }
        return login
    }
}
