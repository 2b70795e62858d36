import Foundation
import HatoTesting
import Testing

/// `hato serve` with a `[[milter]]` (purepythonmilter, PyPI): mail in over SMTP through the filter,
/// out over POP3 as stored; a filter's refusal is the reply smtplib sees.
@Suite(.heavy, .enabled(if: ScriptedMilter.available || ScriptedMilter.required, "purepythonmilter is not installed: pip install purepythonmilter"))
struct MilterServeTests {
    static let client = """
        import smtplib, poplib, sys
        smtp, pop3 = int(sys.argv[1]), int(sys.argv[2])
        s = smtplib.SMTP("127.0.0.1", smtp)
        try:
            s.sendmail("friend@remote.test", ["alice@example.test"],
                       b"From: friend@remote.test\\r\\nSubject: hello\\r\\nX-Drop: x\\r\\n\\r\\nOriginal body.\\r\\n")
            print("accepted")
        except smtplib.SMTPDataError as e:
            print("refused", e.smtp_code, e.smtp_error.decode())
        s.quit()
        p = poplib.POP3("127.0.0.1", pop3); p.user("alice@example.test"); p.pass_("long enough pw")
        count, _ = p.stat()
        for i in range(1, count + 1):
            for line in p.retr(i)[1]:
                if line.startswith((b"X-Top", b"Subject", b"X-Drop", b"X-Seen", b"Replaced", b"Original")): print(line.decode())
        p.quit()
        """

    @Test func editedMessageIsStored() async throws {
        try #require(ScriptedMilter.available, "CI is set but purepythonmilter is not installed")
        let directory = try TemporaryDirectory(prefix: "hato-e2e-milter")
        let milter = try await ScriptedMilter(mode: "edit", directory: directory)
        let served = try await milter.serve(in: directory)
        let result = try await Python.run(Self.client, arguments: [try served.port("smtp"), try served.port("pop3")])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "accepted", "\(result.stdout) \(result.stderr) \(milter.log)")
        #expect(lines.contains("X-Top: first"))
        #expect(lines.contains("Subject: [filtered] hello"))
        #expect(lines.contains { $0.hasPrefix("X-Seen: from=friend@remote.test i=") && $0.hasSuffix("rcpt=alice@example.test body=16") }, "\(lines)")
        #expect(lines.contains("Replaced body."))
        #expect(!lines.contains { $0.hasPrefix("X-Drop") || $0.hasPrefix("Original") })
        #expect(await served.terminate() == 0)
    }

    @Test func filterReplyReachesTheClient() async throws {
        try #require(ScriptedMilter.available, "CI is set but purepythonmilter is not installed")
        let directory = try TemporaryDirectory(prefix: "hato-e2e-milter")
        let milter = try await ScriptedMilter(mode: "tempfail", directory: directory)
        let served = try await milter.serve(in: directory)
        let result = try await Python.run(Self.client, arguments: [try served.port("smtp"), try served.port("pop3")])
        #expect(result.stdout == "refused 451 4.7.1 greylisted come back later\n", "\(result.stdout) \(result.stderr)")
        #expect(await served.terminate() == 0)
    }

    /// A filter that dies mid-message: default_action = "reject" gives 554 and nothing is stored.
    @Test func deadFilterAppliesTheDefaultAction() async throws {
        try #require(ScriptedMilter.available, "CI is set but purepythonmilter is not installed")
        let directory = try TemporaryDirectory(prefix: "hato-e2e-milter")
        let milter = try await ScriptedMilter(mode: "die", directory: directory)
        let served = try await milter.serve(in: directory)
        let result = try await Python.run(Self.client, arguments: [try served.port("smtp"), try served.port("pop3")])
        #expect(result.stdout == "refused 554 5.7.1 Message rejected: content filter unavailable\n", "\(result.stdout) \(result.stderr)")
        #expect(await served.terminate() == 0)
    }
}
