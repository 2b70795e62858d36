import Foundation
import HatoTesting
import Testing

/// Debian's clamd and clamav-milter, started here on a signature database this test writes (no
/// freshclam: CI has no internet), behind `hato serve`'s `[[milter]]`: the EICAR test string is
/// refused at the end of DATA (`OnInfected Reject`) or stored tagged `X-Virus-Status: Infected`
/// (`OnInfected Accept`), as configured; clean mail is stored with `X-Virus-Status: Clean`.
@Suite(.heavy, .enabled(if: ClamAV.available || ClamAV.required, "clamd/clamav-milter are not installed: apt-get install clamav-daemon clamav-milter"))
struct ClamAVMilterTests {
    @Test(arguments: ["Reject", "Accept"])
    func eicarIsHandledAsConfiguredAndCleanMailTagged(onInfected: String) async throws {
        try #require(ClamAV.available, "CI is set but clamav-daemon/clamav-milter are not installed")
        let directory = try TemporaryDirectory(prefix: "hato-clamav")
        let clamav = try await ClamAV(directory: directory, onInfected: onInfected)
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            pop3 = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [[milter]]
            name = "clamav"
            socket = "unix:\(clamav.milterSocket)"
            default_action = "tempfail"
            """, accounts: [("alice@example.test", "long enough pw")], directory: directory)
        let result = try await Python.run("""
            import smtplib, poplib, sys
            smtp, pop3 = int(sys.argv[1]), int(sys.argv[2])
            eicar = rb"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
            for subject, body in (("clean", b"Nothing to see here."), ("eicar", eicar)):
                s = smtplib.SMTP("127.0.0.1", smtp)
                try:
                    s.sendmail("friend@remote.test", ["alice@example.test"], b"From: friend@remote.test\\r\\nSubject: " + subject.encode() + b"\\r\\n\\r\\n" + body + b"\\r\\n")
                    print(subject, "accepted")
                except smtplib.SMTPDataError as e:
                    print(subject, "refused", e.smtp_code, e.smtp_error.decode())
                s.quit()
            p = poplib.POP3("127.0.0.1", pop3); p.user("alice@example.test"); p.pass_("long enough pw")
            count, _ = p.stat(); print("stored", count)
            for i in range(1, count + 1):
                for line in p.retr(i)[1]:
                    if line.startswith((b"Subject", b"X-Virus-Status")): print(line.decode())
            p.quit()
            """, arguments: [try served.port("smtp"), try served.port("pop3")])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "clean accepted", "\(result.stdout) \(result.stderr) \(clamav.log)")
        #expect(lines.contains("Subject: clean"))
        #expect(lines.contains { $0.hasPrefix("X-Virus-Status: Clean") }, "\(lines)")
        if onInfected == "Reject" {
            #expect(lines.count > 1 && lines[1].hasPrefix("eicar refused 5"), "\(lines)")
            #expect(lines.contains("stored 1"))
        } else {
            #expect(lines.count > 1 && lines[1] == "eicar accepted", "\(lines)")
            #expect(lines.contains("stored 2") && lines.contains("Subject: eicar"), "\(lines)")
            #expect(lines.contains { $0.hasPrefix("X-Virus-Status: Infected") && $0.contains("Hato-EICAR-Test") }, "\(lines) \(clamav.log)")
        }
        #expect(await served.terminate() == 0)
    }
}

/// clamd and clamav-milter in the foreground on unix sockets in a temp directory.
final class ClamAV: Sendable {
    static let available = FileManager.default.isExecutableFile(atPath: "/usr/sbin/clamd")
        && FileManager.default.isExecutableFile(atPath: "/usr/sbin/clamav-milter")
    static let required = Python.requiredInCI

    let clamd: ChildProcess
    let milter: ChildProcess
    let milterSocket: String
    let directory: String

    init(directory: TemporaryDirectory, onInfected: String = "Reject") async throws {
        let root = directory.path
        self.directory = root
        let database = root + "/clamav-db"
        try FileManager.default.createDirectory(atPath: database, withIntermediateDirectories: true)
        // A body signature (.ndb: name, any target, any offset, hex) for the EICAR test string.
        try ("Hato-EICAR-Test:0:*:" + Array("EICAR-STANDARD-ANTIVIRUS-TEST-FILE".utf8).map { String(format: "%02x", $0) }.joined() + "\n")
            .write(toFile: database + "/hato.ndb", atomically: true, encoding: .utf8)
        try """
            DatabaseDirectory \(database)
            LocalSocket \(root)/clamd.sock
            Foreground yes
            LogFile \(root)/clamd.log
            TemporaryDirectory \(root)
            """.write(toFile: root + "/clamd.conf", atomically: true, encoding: .utf8)
        milterSocket = root + "/clamav-milter.sock"
        try """
            MilterSocket unix:\(milterSocket)
            ClamdSocket unix:\(root)/clamd.sock
            Foreground yes
            OnInfected \(onInfected)
            OnClean Accept
            AddHeader Replace
            LogFile \(root)/clamav-milter.log
            LogInfected Basic
            """.write(toFile: root + "/clamav-milter.conf", atomically: true, encoding: .utf8)
        clamd = try ChildProcess(executable: URL(fileURLWithPath: "/usr/sbin/clamd"), arguments: ["-c", root + "/clamd.conf"])
        try await Self.waitForSocket(root + "/clamd.sock", clamd)
        milter = try ChildProcess(executable: URL(fileURLWithPath: "/usr/sbin/clamav-milter"), arguments: ["-c", root + "/clamav-milter.conf"])
        try await Self.waitForSocket(milterSocket, milter)
    }

    var log: String {
        [directory + "/clamd.log", directory + "/clamav-milter.log"].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n")
    }

    /// Daemons that load their rules first (rspamd's Lua and maps, clamd's signatures) can take
    /// minutes on two loaded cores: the wait is by the clock, not by a count of sleeps.
    static func waitForSocket(_ path: String, _ process: ChildProcess, seconds: Double = 180) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: path) { return }
            try require(!process.hasExited, "\(path): the daemon exited: \(process.output) \(process.errorOutput)")
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ConformanceFailure("\(path) did not appear within \(Int(seconds)) s")
    }

    deinit {
        milter.signal(SIGTERM)
        clamd.signal(SIGTERM)
    }
}
