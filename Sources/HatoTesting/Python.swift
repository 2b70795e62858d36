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
        try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-u", "-c", script] + arguments)
    }
}
