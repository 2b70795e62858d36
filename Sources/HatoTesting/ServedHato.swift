import Foundation

/// A `hato serve` as an operator runs it, for end-to-end tests: its own data directory and
/// config file (`hostname`, `data_dir` and `log.level = "info"` on top of the given TOML), the
/// domain `example.test` and the given accounts added with the CLI, and listeners on ephemeral
/// loopback ports (`127.0.0.1:0` in the TOML) whose ports it reads from the banner.
public struct ServedHato: Sendable {
    public let directory: TemporaryDirectory
    /// Path of the config file.
    public let config: String
    public let process: HatoProcess

    /// Writes the config, adds `example.test` and `accounts` (address, password) when there
    /// are any, and starts `hato serve`; returns once every listener is bound.
    public static func start(_ toml: String, accounts: [(String, String)] = [], directory: TemporaryDirectory? = nil,
                             environment: [String: String] = [:]) async throws -> ServedHato {
        let directory = try directory ?? TemporaryDirectory(prefix: "hato-e2e")
        let config = directory.url.appendingPathComponent("hato.toml").path
        try (#"""
            hostname = "mail.example.test"
            data_dir = "data"
            log.level = "info"

            """# + toml).write(toFile: config, atomically: true, encoding: .utf8)
        if !accounts.isEmpty {
            let added = try await HatoBinary.run(["domain", "add", "example.test", "--config", config])
            try require(added.status == 0, "hato domain add: \(added.stderr)")
        }
        for (address, password) in accounts {
            let added = try await HatoBinary.run(["account", "add", address, "--password-stdin", "--config", config], stdin: password + "\n")
            try require(added.status == 0, "hato account add \(address): \(added.stderr)")
        }
        let process = try HatoProcess(["serve", "--config", config], environment: environment)
        try await process.waitFor("the listeners") { out, _ in out.contains("listening on") && out.contains("\ndelivery ") }
        return ServedHato(directory: directory, config: config, process: process)
    }

    /// The port of a listener kind ("smtp", "imaps", ...), as printed in the banner.
    public func port(_ kind: String) throws -> String { try process.listenerPort(kind) }

    /// Runs `hato ARGUMENTS --config` against this server's configuration and data.
    public func cli(_ arguments: String..., stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await HatoBinary.run(arguments + ["--config", config], stdin: stdin)
    }

    public var pid: Int32 { process.process.processIdentifier }

    /// The server's resident set in MiB (`VmRSS` in /proc/PID/status), nil once it has exited.
    public var residentMB: Int? { ProcessMemory.residentMB(of: pid) }

    /// SIGTERM, then waits for the exit (SIGKILL after `timeout`); returns the exit status.
    @discardableResult
    public func terminate(timeout: Duration = .seconds(120)) async -> Int32 {
        process.signal(SIGTERM)
        return await process.exit(timeout: timeout)
    }
}

extension ChildProcess {
    /// The port `hato serve` printed for a listener kind ("pop3s   listening on 127.0.0.1:PORT").
    public func listenerPort(_ kind: String) throws -> String {
        guard let line = outputLines.first(where: { $0.hasPrefix(kind + " ") && $0.contains("listening on") }),
              let port = line.split(separator: ":").last
        else { throw ConformanceFailure("no \(kind) listener in the banner: \(output)") }
        return String(port)
    }
}

/// Memory of a running process, from Linux's /proc.
public enum ProcessMemory {
    /// `VmRSS` of `pid` in MiB; nil when the process is gone (or not on Linux).
    public static func residentMB(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kilobytes / 1024
    }

    /// Python for test clients: `rss()` is VmRSS of the process whose pid is `sys.argv[1]`, in
    /// MiB, and `Peak` samples it every 50 ms on a thread (`p = Peak(); ...; p.stop()` returns
    /// the highest value seen).
    public static let pythonHelpers = """
        import sys as _sys, threading as _threading, time as _time
        _pid = int(_sys.argv[1])
        def rss():
            for line in open(f"/proc/{_pid}/status"):
                if line.startswith("VmRSS:"): return int(line.split()[1]) // 1024
        class Peak:
            def __init__(self):
                self.start = self.peak = rss(); self._run = True
                self._thread = _threading.Thread(target=self._loop, daemon=True); self._thread.start()
            def _loop(self):
                while self._run:
                    self.peak = max(self.peak, rss()); _time.sleep(0.05)
            def stop(self):
                self._run = False; self._thread.join(); self.peak = max(self.peak, rss()); return self.peak

        """
}
