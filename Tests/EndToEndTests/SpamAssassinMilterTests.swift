import Foundation
import HatoTesting
import Testing

/// Debian's spamd (SpamAssassin, local tests only: CI has no internet) and spamass-milter,
/// started here on unix sockets, behind `hato serve`'s `[[milter]]`. spamass-milter's `-B`
/// adds a recipient for spam (SMFIR_ADDRCPT): GTUBE is tagged and copied to that mailbox, clean
/// mail is tagged `X-Spam-Status: No` and not copied; with `-r -1` GTUBE is refused.
@Suite(.heavy, .enabled(if: SpamAssassin.available || SpamAssassin.required, "spamd/spamass-milter are not installed: apt-get install spamassassin spamass-milter"))
struct SpamAssassinMilterTests {
    static let client = """
        import smtplib, poplib, sys
        smtp, pop3 = int(sys.argv[1]), int(sys.argv[2])
        gtube = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
        for subject, body in (("clean", b"Lunch on Friday at noon?"), ("gtube", gtube)):
            s = smtplib.SMTP("127.0.0.1", smtp)
            try:
                s.sendmail("friend@remote.test", ["alice@example.test"], b"From: friend@remote.test\\r\\nTo: alice@example.test\\r\\nSubject: " + subject.encode() + b"\\r\\n\\r\\n" + body + b"\\r\\n")
                print(subject, "accepted")
            except smtplib.SMTPDataError as e:
                print(subject, "refused", e.smtp_code, e.smtp_error.decode())
            s.quit()
        for user in ("alice@example.test", "spam@example.test"):
            p = poplib.POP3("127.0.0.1", pop3); p.user(user); p.pass_("long enough pw")
            count, _ = p.stat(); print(user, count)
            for i in range(1, count + 1):
                for line in p.retr(i)[1]:
                    if line.startswith((b"Subject", b"X-Spam-Flag", b"X-Spam-Status")): print(user, line.decode()[:40])
            p.quit()
        """

    static func served(_ spamassassin: SpamAssassin, _ directory: TemporaryDirectory) async throws -> ServedHato {
        try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            pop3 = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [[milter]]
            name = "spamassassin"
            socket = "unix:\(spamassassin.milterSocket)"
            default_action = "tempfail"
            eom_timeout = "120s"
            """, accounts: [("alice@example.test", "long enough pw"), ("spam@example.test", "long enough pw")], directory: directory)
    }

    @Test func gtubeIsTaggedAndCopiedToTheSpamMailbox() async throws {
        try #require(SpamAssassin.available, "CI is set but spamassassin/spamass-milter are not installed")
        let directory = try TemporaryDirectory(prefix: "hato-spamass")
        let spamassassin = try await SpamAssassin(directory: directory, milterArguments: ["-B", "spam@example.test"])
        let served = try await Self.served(spamassassin, directory)
        let result = try await Python.run(Self.client, arguments: [try served.port("smtp"), try served.port("pop3")], timeout: 300)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["clean accepted", "gtube accepted"], "\(result.stdout) \(result.stderr) \(spamassassin.log)")
        #expect(lines.contains("alice@example.test 2"), "\(lines)")
        #expect(lines.contains("alice@example.test X-Spam-Flag: YES"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("alice@example.test X-Spam-Status: No") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("alice@example.test X-Spam-Status: Yes") }, "\(lines)")
        // The copy spamass-milter added a recipient for: only the spam.
        #expect(lines.contains("spam@example.test 1"), "\(lines)")
        #expect(lines.contains("spam@example.test X-Spam-Flag: YES"), "\(lines)")
        #expect(await served.terminate() == 0)
    }

    @Test func gtubeIsRefusedWithRejectThreshold() async throws {
        try #require(SpamAssassin.available, "CI is set but spamassassin/spamass-milter are not installed")
        let directory = try TemporaryDirectory(prefix: "hato-spamass")
        let spamassassin = try await SpamAssassin(directory: directory, milterArguments: ["-r", "-1"])
        let served = try await Self.served(spamassassin, directory)
        let result = try await Python.run(Self.client, arguments: [try served.port("smtp"), try served.port("pop3")], timeout: 300)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "clean accepted", "\(result.stdout) \(result.stderr) \(spamassassin.log)")
        #expect(lines.count > 1 && lines[1].hasPrefix("gtube refused 5"), "\(lines)")
        #expect(lines.contains("alice@example.test 1"), "\(lines)")
        #expect(await served.terminate() == 0)
    }
}

/// spamd (`-L`: no network tests) and spamass-milter in the foreground on unix sockets.
final class SpamAssassin: Sendable {
    static let available = FileManager.default.isExecutableFile(atPath: "/usr/sbin/spamd")
        && FileManager.default.isExecutableFile(atPath: "/usr/sbin/spamass-milter")
    static let required = Python.requiredInCI

    let spamd: ChildProcess
    let milter: ChildProcess
    let milterSocket: String

    init(directory: TemporaryDirectory, milterArguments: [String]) async throws {
        let root = directory.path
        let spamdSocket = root + "/spamd.sock"
        spamd = try ChildProcess(executable: URL(fileURLWithPath: "/usr/sbin/spamd"), arguments: [
            "-L", "-x", "--max-children=1", "--socketpath=" + spamdSocket, "--pidfile=" + root + "/spamd.pid", "-s", "stderr",
        ])
        try await ClamAV.waitForSocket(spamdSocket, spamd)
        milterSocket = root + "/spamass-milter.sock"
        milter = try ChildProcess(executable: URL(fileURLWithPath: "/usr/sbin/spamass-milter"),
                                  arguments: ["-p", milterSocket] + milterArguments + ["--", "-U", spamdSocket])
        try await ClamAV.waitForSocket(milterSocket, milter)
    }

    var log: String { spamd.errorOutput.suffix(3000) + milter.output + milter.errorOutput }

    deinit {
        milter.signal(SIGTERM)
        spamd.signal(SIGTERM)
    }
}
