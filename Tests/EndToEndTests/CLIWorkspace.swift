import Foundation
import HatoTesting

/// A temporary directory with the small configuration the admin-command tests share (IMAP on a
/// loopback port the commands never open, SCRAM at the minimum iteration count so accounts are
/// quick to add), and the real `hato` binary run against it.
struct CLIWorkspace {
    let directory: TemporaryDirectory
    var configPath: String { directory.url.appendingPathComponent("hato.toml").path }

    init(prefix: String) throws {
        directory = try TemporaryDirectory(prefix: prefix)
        try """
            hostname = "mail.example.test"
            data_dir = "data"
            [listen]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func hato(_ arguments: [String], stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await HatoBinary.run(arguments + ["--config", configPath], stdin: stdin)
    }
}
