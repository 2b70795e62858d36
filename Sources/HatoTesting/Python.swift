import Foundation

/// Runs a Python 3 script (the stdlib clients smtplib, imaplib, poplib, ssl, socket are the
/// "clients nobody here wrote" that tests talk to the server with).
public enum Python {
    /// Runs the script to completion. Waiting happens off Swift's cooperative pool, so servers
    /// under test that use Swift concurrency keep running while the client talks to them.
    public static func run(_ script: String, arguments: [String] = [], timeout: TimeInterval = 60) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = try start(script, arguments: arguments)
        let status = await process.exit(timeout: timeout)
        return (status, process.output, process.errorOutput)
    }

    /// Starts the script and returns at once, for tests that act while the client runs.
    public static func start(_ script: String, arguments: [String] = []) throws -> ChildProcess {
        try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-u", "-c", unblockSignals + script] + arguments)
    }

    /// The test runner's threads block some signals and children inherit the mask, so a client
    /// (or the mutt/tmux/getmail it starts) would ignore SIGTERM/SIGHUP and outlive its test.
    /// Every script starts with the empty mask a login shell has. One line, so tracebacks' line
    /// numbers are off by one only.
    static let unblockSignals = "import signal as _signal; _signal.pthread_sigmask(_signal.SIG_SETMASK, [])\n"

    /// Whether `python3` can import every one of `modules` (checked once per set, at first use:
    /// it blocks briefly, so call it from a trait or a static initialiser, not a hot path).
    public static func hasModules(_ modules: String...) -> Bool {
        guard let process = try? ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"),
                                              arguments: ["python3", "-c", "import " + modules.joined(separator: ", ")]) else { return false }
        process.closeInput()
        return process.wait() == 0
    }

    /// True when CI is set: then a missing optional oracle fails its test instead of skipping it.
    public static var requiredInCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }
}

/// scramp (PyPI) and the openssl command line, for the SCRAM -PLUS interop tests.
public enum ScramAvailability {
    public static let required = Python.requiredInCI
    public static let available: Bool =
        Python.hasModules("scramp") && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
}
