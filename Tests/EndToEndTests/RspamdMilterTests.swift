import Foundation
import HatoTesting
import Testing

/// Debian's rspamd in its milter proxy mode (worker rspamd_proxy, `milter = yes`, self-scan),
/// started here with a temp LOCAL_CONFDIR and DNS pointed at a dead port, behind `hato serve`'s
/// `[[milter]]`: GTUBE gets rspamd's reject (5xx), ordinary mail is stored with its headers.
@Suite(.heavy, .enabled(if: Rspamd.available || Rspamd.required, "rspamd is not installed: apt-get install rspamd"))
struct RspamdMilterTests {
    @Test func gtubeIsRejectedAndHeadersAreStored() async throws {
        try #require(Rspamd.available, "CI is set but rspamd is not installed")
        let directory = try TemporaryDirectory(prefix: "hato-rspamd")
        let rspamd = try await Rspamd(directory: directory)
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            pop3 = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [[milter]]
            name = "rspamd"
            socket = "unix:\(rspamd.socket)"
            default_action = "tempfail"
            """, accounts: [("alice@example.test", "long enough pw")], directory: directory)
        let result = try await Python.run("""
            import smtplib, poplib, sys
            smtp, pop3 = int(sys.argv[1]), int(sys.argv[2])
            gtube = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
            for subject, body in (("ordinary", b"Lunch on Friday?"), ("gtube", gtube)):
                s = smtplib.SMTP("127.0.0.1", smtp)
                try:
                    s.sendmail("friend@remote.test", ["alice@example.test"], b"From: friend@remote.test\\r\\nTo: alice@example.test\\r\\nSubject: " + subject.encode()
                               + b"\\r\\nMessage-ID: <" + subject.encode() + b"@remote.test>\\r\\nDate: Sat, 05 Dec 2026 07:00:00 +0000\\r\\n\\r\\n" + body + b"\\r\\n")
                    print(subject, "accepted")
                except smtplib.SMTPDataError as e:
                    print(subject, "refused", e.smtp_code, e.smtp_error.decode())
                s.quit()
            p = poplib.POP3("127.0.0.1", pop3); p.user("alice@example.test"); p.pass_("long enough pw")
            count, _ = p.stat(); print("stored", count)
            for i in range(1, count + 1):
                for line in p.retr(i)[1]:
                    if line.startswith((b"Subject", b"X-Spamd-Result", b"X-Rspamd")): print(line.decode())
            p.quit()
            """, arguments: [try served.port("smtp"), try served.port("pop3")])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "ordinary accepted", "\(result.stdout) \(result.stderr) \(rspamd.log)")
        #expect(lines.count > 1 && lines[1].hasPrefix("gtube refused 5"), "\(lines)")
        #expect(lines.contains("stored 1"))
        #expect(lines.contains { $0.hasPrefix("X-Spamd-Result: default: False") }, "\(lines)")
        #expect(await served.terminate() == 0)
    }
}

/// rspamd in the foreground with only its milter proxy worker, on a unix socket in a temp directory.
final class Rspamd: Sendable {
    static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/rspamd")
    static let required = Python.requiredInCI

    let process: ChildProcess
    let socket: String
    let directory: String

    init(directory: TemporaryDirectory) async throws {
        let root = directory.path + "/rspamd"
        self.directory = root
        for sub in ["local.d", "db", "run"] {
            try FileManager.default.createDirectory(atPath: root + "/" + sub, withIntermediateDirectories: true)
        }
        socket = root + "/proxy.sock"
        let files = [
            "worker-proxy.inc": "milter = yes;\nbind_socket = \"\(socket) mode=0666\";\nupstream \"local\" { default = yes; self_scan = yes; }\ncount = 1;\n",
            "worker-normal.inc": "enabled = false;\n",
            "worker-controller.inc": "enabled = false;\n",
            "worker-fuzzy.inc": "enabled = false;\n",
            // No network: DNS goes to a closed port on loopback.
            // No hyperscan: compiling its regexp databases at start takes minutes of CPU on two cores.
            "options.inc": "dns { nameserver = [\"127.0.0.1:1\"]; timeout = 0.1s; retransmits = 1; }\ndisable_hyperscan = true;\n",
            "logging.inc": "type = \"file\";\nfilename = \"\(root)/rspamd.log\";\nlevel = \"info\";\n",
            // The test client connects from 127.0.0.1, which milter_headers skips by default.
            "milter_headers.conf": "use = [\"x-spamd-result\", \"x-rspamd-server\", \"x-rspamd-queue-id\"];\nskip_local = false;\nskip_authenticated = false;\n",
        ]
        for (name, text) in files { try text.write(toFile: root + "/local.d/" + name, atomically: true, encoding: .utf8) }
        process = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/rspamd"), arguments: [
            "-f", "-u", "root", "-g", "root", "--insecure", "-c", "/etc/rspamd/rspamd.conf",
            "--var=LOCAL_CONFDIR=\(root)", "--var=DBDIR=\(root)/db", "--var=RUNDIR=\(root)/run", "--var=LOGDIR=\(root)",
        ])
        try await ClamAV.waitForSocket(socket, process)
    }

    var log: String { (try? String(contentsOfFile: directory + "/rspamd.log", encoding: .utf8)).map { String($0.suffix(4000)) } ?? "" }

    /// The whole process group (rspamd's workers outlive a main process that is gone).
    deinit { kill(-process.process.processIdentifier, SIGTERM) }
}
