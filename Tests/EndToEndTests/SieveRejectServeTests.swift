import Foundation
import HatoTesting
import Testing

/// RFC 5429 through `hato serve` (docs/sieve.md "Rejecting"): a message whose only recipient's
/// script runs `ereject` is refused with 550 5.7.1 and the reason (on one line), and nothing is
/// stored or queued; with a second recipient that keeps it, it is accepted and the rejection goes
/// back as a message; a `reject` whose reason is not ASCII is answered by a message too.
@Suite(.heavy) struct SieveRejectServeTests {
    @Test func erejectRefusesInTheTransaction() async throws {
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [delivery]
            relay = "127.0.0.1:1"
            """, accounts: [("bob@example.test", "bob long pw"), ("carol@example.test", "carol long pw")])
        defer { served.process.signal(SIGKILL) }
        func hato(_ arguments: String...) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await HatoBinary.run(arguments + ["--config", served.config])
        }
        let script = served.directory.url.appendingPathComponent("main.sieve")
        try Data("""
            require ["ereject", "reject"];
            if header :contains "subject" "spam" { ereject "No spam, thanks.\r\n550 Really."; }
            if header :contains "subject" "請求" { reject "請求書は受け付けません"; }
            """.utf8).write(to: script)
        #expect(try await hato("sieve", "put", "bob@example.test", "main", script.path, "--activate").status == 0)

        let result = try await Python.run(#"""
            import smtplib, imaplib, sys
            from email.header import Header
            smtp, imap = int(sys.argv[1]), int(sys.argv[2])
            def send(recipients, subject):
                message = ("From: mallory@remote.test\r\nTo: %s\r\nSubject: %s\r\n\r\nhello\r\n" % (", ".join(recipients), Header(subject, "utf-8").encode())).encode()
                s = smtplib.SMTP("127.0.0.1", smtp)
                try:
                    s.sendmail("mallory@remote.test", recipients, message); return "250"
                except smtplib.SMTPDataError as e:
                    return "%d %s" % (e.smtp_code, e.smtp_error.decode())
                finally:
                    s.quit()
            print(send(["bob@example.test"], "spam offer"))
            print(send(["bob@example.test", "carol@example.test"], "spam again"))
            print(send(["bob@example.test"], "請求書のご送付"))
            for user in ("bob", "carol"):
                m = imaplib.IMAP4("127.0.0.1", imap); m.login(user + "@example.test", user + " long pw")
                typ, data = m.select("INBOX"); print(user, data[0].decode()); m.logout()
            """#, arguments: [try served.port("smtp"), try served.port("imap")])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 5, "\(result.stdout) \(result.stderr)")
        #expect(lines[0] == "550 5.7.1 No spam, thanks. 550 Really.", "one line, CR LF folded: \(lines[0])")
        #expect(lines[1] == "250" && lines[2] == "250")
        #expect(lines[3] == "bob 0" && lines[4] == "carol 1", "\(lines)")
        // One rejection message each for the second and third messages, none for the first.
        let queue = try await hato("queue", "list").stdout.split(separator: "\n").dropFirst()
        #expect(queue.count == 2 && queue.allSatisfy { $0.contains("mallory@remote.test") }, "\(queue)")
        #expect(served.process.errorOutput.contains("sieve: message refused in the SMTP transaction"))
        #expect(await served.terminate() == 0)
    }
}
