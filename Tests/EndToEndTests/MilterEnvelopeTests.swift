import Foundation
import HatoTesting
import Testing

/// `hato serve` with a filter that changes the envelope at the end of the message
/// (SMFIR_DELRCPT, SMFIR_ADDRCPT, SMFIR_CHGFROM, purepythonmilter): what the mailboxes hold.
@Suite(.heavy, .enabled(if: ScriptedMilter.available || ScriptedMilter.required, "purepythonmilter is not installed: pip install purepythonmilter"))
struct MilterEnvelopeTests {
    static let client = """
        import smtplib, poplib, sys
        smtp, pop3 = int(sys.argv[1]), int(sys.argv[2])
        s = smtplib.SMTP("127.0.0.1", smtp)
        s.sendmail("friend@remote.test", ["alice@example.test"],
                   b"From: friend@remote.test\\r\\nSubject: hello\\r\\n\\r\\nBody.\\r\\n")
        print("accepted")
        s.quit()
        for user in ("alice@example.test", "bob@example.test"):
            p = poplib.POP3("127.0.0.1", pop3); p.user(user); p.pass_("long enough pw")
            count, _ = p.stat()
            print(user, count)
            for i in range(1, count + 1):
                for line in p.retr(i)[1]:
                    if line.startswith((b"Return-Path", b"Delivered-To", b"Subject")): print(line.decode())
            p.quit()
        """

    /// alice (the RCPT TO) is deleted, bob is added and gets the message with the new
    /// Return-Path; the remote address the filter added is refused as a relay on this MX
    /// listener, like a RCPT TO would be, and the message is still accepted for bob.
    @Test func filterChangesTheEnvelope() async throws {
        try #require(ScriptedMilter.available, "CI is set but purepythonmilter is not installed")
        let directory = try TemporaryDirectory(prefix: "hato-e2e-milter-envelope")
        let milter = try await ScriptedMilter(mode: "envelope", directory: directory)
        let served = try await milter.serve(in: directory)
        let result = try await Python.run(Self.client, arguments: [try served.port("smtp"), try served.port("pop3")])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "accepted", "\(result.stdout) \(result.stderr) \(milter.log)")
        #expect(lines.contains("alice@example.test 0"), "\(lines)")
        #expect(lines.contains("bob@example.test 1"), "\(lines)")
        #expect(lines.contains("Return-Path: <bounces@example.test>"), "\(lines)")
        #expect(lines.contains("Delivered-To: bob@example.test"), "\(lines)")
        #expect(lines.contains("Subject: hello"), "\(lines)")
        let log = served.process.output + served.process.errorOutput
        #expect(log.contains("recipient added by milter refused") && log.contains("outsider@elsewhere.test"), "\(log.suffix(3000))")
        #expect(await served.terminate() == 0)
    }

    /// A filter that deletes every recipient: the client hears 250, no mailbox gets it.
    @Test func filterDeletingEveryRecipientDropsTheMessage() async throws {
        try #require(ScriptedMilter.available, "CI is set but purepythonmilter is not installed")
        let directory = try TemporaryDirectory(prefix: "hato-e2e-milter-envelope")
        let milter = try await ScriptedMilter(mode: "delete-all", directory: directory)
        let served = try await milter.serve(in: directory)
        let result = try await Python.run(Self.client, arguments: [try served.port("smtp"), try served.port("pop3")])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == ["accepted", "alice@example.test 0", "bob@example.test 0"], "\(result.stdout) \(result.stderr) \(milter.log)")
        #expect(await served.terminate() == 0)
    }
}
