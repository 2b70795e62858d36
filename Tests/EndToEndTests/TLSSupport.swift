import Foundation
import HatoTesting
import Testing

/// Certificates made with the openssl command line (a tool nobody here wrote), with a chosen
/// serial number and names, for the TLS tests of the real server.
enum TestCertificates {
    struct Pair {
        let certificate: URL
        let key: URL
    }

    /// A self-signed P-256 certificate for `names` (the first is the CN).
    static func make(_ names: [String], serial: String, in directory: URL, file: String) async throws -> Pair {
        let certificate = directory.appendingPathComponent("\(file).crt"), key = directory.appendingPathComponent("\(file).key")
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/openssl"), arguments: [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-keyout", key.path, "-out", certificate.path, "-subj", "/CN=\(names[0])", "-set_serial", serial,
            "-addext", "subjectAltName=" + names.map { "DNS:\($0)" }.joined(separator: ","),
        ])
        process.closeInput()
        let status = await process.exit(timeout: 60)
        try #require(status == 0, "openssl req failed: \(process.errorOutput)")
        return Pair(certificate: certificate, key: key)
    }
}

extension ChildProcess {
    /// The port `hato serve` printed for a listener kind ("pop3s   listening on 127.0.0.1:PORT").
    func listenerPort(_ kind: String) throws -> String {
        let line = try #require(outputLines.first { $0.hasPrefix(kind + " ") && $0.contains("listening on") }, "\(output)")
        return String(try #require(line.split(separator: ":").last))
    }
}

/// A `hato serve` on ephemeral loopback ports with its own data directory and config.
struct ServedHato {
    let directory: TemporaryDirectory
    let config: String
    let process: HatoProcess

    static func start(_ toml: String, accounts: [(String, String)] = [], directory: TemporaryDirectory? = nil) async throws -> ServedHato {
        let directory = try directory ?? TemporaryDirectory(prefix: "hato-tls-e2e")
        let config = directory.url.appendingPathComponent("hato.toml").path
        try (#"""
            hostname = "mail.example.test"
            data_dir = "data"
            log.level = "info"

            """# + toml).write(toFile: config, atomically: true, encoding: .utf8)
        if !accounts.isEmpty {
            #expect(try await HatoBinary.run(["domain", "add", "example.test", "--config", config]).status == 0)
        }
        for (address, password) in accounts {
            let added = try await HatoBinary.run(["account", "add", address, "--password-stdin", "--config", config], stdin: password + "\n")
            #expect(added.status == 0, "\(added.stderr)")
        }
        let process = try HatoProcess(["serve", "--config", config])
        try await process.waitFor("the listeners") { out, _ in out.contains("listening on") }
        return ServedHato(directory: directory, config: config, process: process)
    }

    func port(_ kind: String) throws -> String { try process.listenerPort(kind) }

    func stop() async {
        process.signal(SIGTERM)
        #expect(await process.exit() == 0, "\(process.errorOutput)")
    }
}
