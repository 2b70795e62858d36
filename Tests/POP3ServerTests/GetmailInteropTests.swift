import Foundation
import HatoTesting
import Testing

/// Debian's getmail6 downloading and deleting over POP3 from the real `hato serve`, while the
/// same mailbox receives mail over SMTP. Skipped with a message when getmail is not installed;
/// CI installs it and fails without it.
///
/// getmail delivers to a Maildir from a forked child and refuses to do that as root ("refuse to
/// deliver mail as root"), so when the test runs as root the destination names `user = nobody`
/// and the Maildir belongs to nobody.
@Suite struct GetmailInteropTests {
    static let getmail = "/usr/bin/getmail"

    @Test func getmailDownloadsAndDeletesWhileSMTPDelivers() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.getmail) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("getmail missing in CI: .ci/run installs getmail6") }
            return
        }
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            pop3 = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            """, accounts: [("alice@example.test", "alice long pw")], directory: TemporaryDirectory(prefix: "hato-getmail"))
        defer { if served.process.process.isRunning { served.process.process.terminate() } }
        let directory = served.directory
        let smtp = try served.port("smtp"), pop3 = try served.port("pop3")

        let maildir = directory.url.appendingPathComponent("Maildir")
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(at: maildir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let asRoot = geteuid() == 0
        if asRoot {
            for path in [maildir.path] + ["cur", "new", "tmp"].map({ maildir.appendingPathComponent($0).path }) {
                try #require(chown(path, 65534, 65534) == 0, "chown \(path) to nobody")
            }
        }
        let rc = directory.url.appendingPathComponent("getmailrc")
        try """
            [retriever]
            type = SimplePOP3Retriever
            server = 127.0.0.1
            port = \(pop3)
            username = alice@example.test
            password = alice long pw

            [destination]
            type = Maildir
            path = \(maildir.path)/
            \(asRoot ? "user = nobody" : "")

            [options]
            delete = true
            read_all = false
            verbose = 2
            """.write(to: rc, atomically: true, encoding: .utf8)

        // Two messages arrive over SMTP; getmail takes them; a third arrives; getmail takes only it.
        try await Self.send(["first message", "second message"], smtp: smtp)
        let first = try await Self.runGetmail(rc: rc, directory: directory.url)
        #expect(first.status == 0, "getmail: \(first.output)\nserver: \(served.process.errorOutput.suffix(4000))")
        #expect(first.output.contains("2 messages"), "\(first.output)")
        #expect(Self.delivered(maildir) == ["first message", "second message"])
        try await Self.send(["third message"], smtp: smtp)
        let second = try await Self.runGetmail(rc: rc, directory: directory.url)
        #expect(second.status == 0, "getmail: \(second.output)\nserver: \(served.process.errorOutput.suffix(4000))")
        #expect(Self.delivered(maildir) == ["first message", "second message", "third message"])

        let left = try await Python.run("""
            import poplib, sys
            p = poplib.POP3("127.0.0.1", int(sys.argv[1])); p.user("alice@example.test"); p.pass_("alice long pw")
            print(p.stat()); p.quit()
            """, arguments: [pop3])
        #expect(left.stdout == "(0, 0)\n", "getmail deleted what it downloaded: \(left.stdout) \(left.stderr)")
        #expect(await served.terminate() == 0)
    }

    static func send(_ subjects: [String], smtp: String) async throws {
        let result = try await Python.run("""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
            for subject in sys.argv[2:]:
                s.sendmail("friend@remote.test", ["alice@example.test"],
                           ("From: friend@remote.test\\r\\nSubject: " + subject + "\\r\\n\\r\\nbody of " + subject + "\\r\\n").encode())
            s.quit()
            """, arguments: [smtp] + subjects)
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// getmail reaps its delivery child from a Python SIGCHLD handler, which has two problems
    /// when run from here, both worked around in this wrapper before it runs getmail unchanged:
    /// - Processes started from the test runner inherit its threads' signal mask, in which SIGCHLD
    ///   (and SIGTERM) are blocked (Foundation's Process spawns without resetting the mask), so the
    ///   handler would never run and getmail would give up after 60 s ("waiting child pid N timed
    ///   out") with the message delivered but not deleted. The wrapper unblocks every signal, as a
    ///   login shell has them.
    /// - getmail 6.18 loses the child's exit when the child is quick (seen twice in 27 loaded
    ///   full-suite runs: the message in the Maildir, then getmail silent, never sending DELE or
    ///   QUIT, until its 180 s socket timeout). `ForkingBase.forkchild` installs the SIGCHLD handler
    ///   only after `os.fork()` returns in the parent, so a child that ends first sends its signal
    ///   to the default disposition (ignore); and the handler wakes the parent with a
    ///   `Condition.notify_all()`, which is lost if it runs before the parent is inside `wait()`.
    ///   The wrapper closes both windows without touching getmail's files: SIGCHLD is blocked
    ///   across the fork and unblocked once the handler is installed, and the condition getmail
    ///   creates remembers a notification that came before the wait. (Reproduced outside the
    ///   suite by delaying the parent 0.5 s after fork: getmail times out; with the wrapper it
    ///   reaps the child.)
    static let getmailWrapper = """
        import os, runpy, signal, sys, threading, time
        blocked = signal.pthread_sigmask(signal.SIG_SETMASK, [])
        print("signals blocked in the test runner:", sorted(getattr(s, "name", str(s)) for s in blocked), file=sys.stderr, flush=True)
        import getmailcore.baseclasses as base
        real_fork, real_prepare = os.fork, base.ForkingBase._prepare_child
        def fork():
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
            pid = real_fork()
            if pid == 0:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
            return pid
        def prepare_child(self):
            real_prepare(self)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        class RememberingCondition(threading.Condition):
            notified = False
            def notify_all(self):
                self.notified = True
                super().notify_all()
            def wait(self, timeout=None):
                deadline = time.monotonic() + (timeout or 60)
                while not self.notified and time.monotonic() < deadline:
                    super().wait(0.1)
                return self.notified
        os.fork = fork
        base.ForkingBase._prepare_child = prepare_child
        base.Condition = RememberingCondition
        sys.argv = sys.argv[1:]
        runpy.run_path(sys.argv[0], run_name="__main__")
        """

    static func runGetmail(rc: URL, directory: URL) async throws -> (status: Int32, output: String) {
        let process = try ChildProcess(
            executable: URL(fileURLWithPath: "/usr/bin/python3"),  // getmail's own interpreter (its #! line)
            arguments: ["-c", getmailWrapper, getmail, "--getmaildir", directory.path, "--rcfile", rc.path],
            // Unbuffered, so a run that has to be killed still shows how far getmail got.
            environment: ["HOME": directory.path, "PYTHONUNBUFFERED": "1"])
        process.closeInput()
        let status = await process.exit(timeout: 120)
        return (status, process.output + process.errorOutput)
    }

    /// The subjects of the messages in the Maildir, sorted.
    static func delivered(_ maildir: URL) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: maildir.appendingPathComponent("new").path)) ?? []
        return files.compactMap { name in
            guard let text = try? String(contentsOf: maildir.appendingPathComponent("new").appendingPathComponent(name), encoding: .utf8)
            else { return nil }
            return text.split(separator: "\n").first { $0.hasPrefix("Subject: ") }.map { $0.dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines) }
        }.sorted()
    }
}
