import Foundation
import HatoTesting
import Testing

/// `hato serve` with filters that answer SMTP commands as they come (purepythonmilter, PyPI):
/// one conversation per SMTP session, as Postfix holds it, so a filter's refusal of one RCPT is
/// the reply to that RCPT and the other recipients still get the message.
@Suite(.heavy, .enabled(if: ScriptedMilter.available || ScriptedMilter.required, "purepythonmilter is not installed: pip install purepythonmilter"))
struct MilterPhaseTests {
    static let client = """
        import smtplib, poplib, sys
        smtp, pop3 = int(sys.argv[1]), int(sys.argv[2])
        s = smtplib.SMTP("127.0.0.1", smtp)
        print("ehlo bad", *s.ehlo("bad.example"))
        s.ehlo("client.remote.test")
        print("mail spammer", *s.mail("spammer@remote.test"))
        s.rset()
        for n in (1, 2):
            print("mail", s.mail("friend@remote.test")[0])
            print("rcpt bob", *s.rcpt("bob@example.test"))
            print("rcpt alice", s.rcpt("alice@example.test")[0])
            print("data", s.data(b"From: friend@remote.test\\r\\nSubject: message %d\\r\\n\\r\\nBody.\\r\\n" % n)[0])
        s.quit()
        for user in ("alice@example.test", "bob@example.test"):
            p = poplib.POP3("127.0.0.1", pop3); p.user(user); p.pass_("long enough pw")
            count, _ = p.stat()
            print(user, count)
            for i in range(1, count + 1):
                for line in p.retr(i)[1]:
                    if line.startswith((b"X-Milter-Connections", b"Subject")): print(line.decode())
            p.quit()
        """

    /// MAIL from a blocked sender gets the filter's 550 at MAIL; bob's RCPT gets 550 5.1.1 at
    /// RCPT while alice's is accepted; both messages of the session reach alice, and the filter
    /// heard them over one connection (it counts CONNECTs).
    @Test func filterAnswersEachCommandOverOneConnection() async throws {
        try #require(ScriptedMilter.available, "CI is set but purepythonmilter is not installed")
        let directory = try TemporaryDirectory(prefix: "hato-e2e-milter")
        let milter = try await ScriptedMilter(mode: "per-command", directory: directory)
        let served = try await milter.serve(in: directory)
        let result = try await Python.run(Self.client, arguments: [try served.port("smtp"), try served.port("pop3")])
        #expect(result.stdout == """
            ehlo bad 550 b'5.7.1 bad HELO name'
            mail spammer 550 b'5.7.1 sender blocked by policy'
            mail 250
            rcpt bob 550 b'5.1.1 no such user here'
            rcpt alice 250
            data 250
            mail 250
            rcpt bob 550 b'5.1.1 no such user here'
            rcpt alice 250
            data 250
            alice@example.test 2
            Subject: message 1
            X-Milter-Connections: 1
            Subject: message 2
            X-Milter-Connections: 1
            bob@example.test 0

            """, "\(result.stdout) \(result.stderr) \(milter.log)")
        let series = [("helo", "reply", 1), ("mail", "reply", 1), ("rcpt", "reply", 2), ("message", "accept", 2)]
            .map { (#"hato_milter_results_total{milter="scripted",step="\#($0.0)",result="\#($0.1)"}"#, $0.2) }
        let scraped = try await MetricsScrape.values(port: try served.port("admin"), series.map(\.0))
        #expect(scraped == series.map { "\($0.0) \($0.1)" }, "\(scraped)")
        #expect(await served.terminate() == 0)
    }

    /// A filter refusing at CONNECT: the client is turned away with the filter's reply instead
    /// of the greeting, and nothing else is asked.
    @Test func filterRefusingTheConnectionTurnsTheClientAway() async throws {
        try #require(ScriptedMilter.available, "CI is set but purepythonmilter is not installed")
        let directory = try TemporaryDirectory(prefix: "hato-e2e-milter")
        let milter = try await ScriptedMilter(mode: "reject-connect", directory: directory)
        let served = try await milter.serve(in: directory)
        let result = try await Python.run("""
            import smtplib, sys
            try:
                smtplib.SMTP("127.0.0.1", int(sys.argv[1])); print("greeted")
            except smtplib.SMTPConnectError as e:
                print("refused", e.smtp_code, e.smtp_error.decode())
            """, arguments: [try served.port("smtp")])
        #expect(result.stdout == "refused 554 5.7.1 mail.example.test your network is not welcome\n", "\(result.stdout) \(result.stderr) \(milter.log)")
        #expect(await served.terminate() == 0)
    }

    /// A filter that is not there: with default_action "tempfail" the client is greeted and
    /// every MAIL gets 451 4.7.1 (Postfix's milter_default_action), so nothing passes unfiltered.
    @Test func unreachableFilterRefusesEveryMailWithTheDefaultAction() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-e2e-milter")
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            [[milter]]
            name = "absent"
            socket = "unix:\(directory.path)/nobody-listens.sock"
            default_action = "tempfail"
            """, accounts: [("alice@example.test", "long enough pw")], directory: directory)
        let result = try await Python.run("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1])); s.ehlo("client.remote.test")
            for n in (1, 2):
                print("mail", *s.mail("friend@remote.test")); s.rset()
            s.quit()
            """, arguments: [try served.port("smtp")])
        #expect(result.stdout == """
            mail 451 b'4.7.1 Service unavailable, try again later'
            mail 451 b'4.7.1 Service unavailable, try again later'

            """, "\(result.stdout) \(result.stderr)")
        #expect(await served.terminate() == 0)
    }
}
