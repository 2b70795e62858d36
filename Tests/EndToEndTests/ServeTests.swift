import Foundation
import HatoTesting
import Testing

@Suite struct ServeTests {
    /// With no config file, `hato serve` uses the embedded development defaults: data in
    /// ./hato-data, a self-signed certificate, loopback ports, and a hint for the first account.
    @Test func embeddedDefaultsAndGracefulShutdown() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-serve")
        let server = try HatoProcess(["serve"], directory: directory.url)
        try await server.waitFor("the first-run hint") { out, _ in out.contains("hato account add") }
        let banner = server.output
        #expect(banner.contains("embedded development defaults"))
        #expect(banner.contains("127.0.0.1:2525"))
        #expect(banner.contains("127.0.0.1:2993"))
        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("hato-data/tls/cert.pem").path))
        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("hato-data/hato.sqlite").path))

        // Admin commands work while the server runs on the same data.
        let added = try await HatoBinary.run(["domain", "add", "example.test"], directory: directory.url)
        #expect(added.status == 0, "\(added.stderr)")
        let account = try await HatoBinary.run(["account", "add", "a@example.test", "--password-stdin"], stdin: "long enough pw\n", directory: directory.url)
        #expect(account.status == 0, "\(account.stderr)")

        server.signal(SIGTERM)
        #expect(await server.exit() == 0)
        #expect(server.output.contains("hato stopped"))
        #expect(server.errorOutput.contains("store closed"))
        #expect(!server.errorOutput.contains("long enough pw"), "secrets never reach the log")
    }

    @Test func badConfigurationStopsStartup() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-serve")
        let path = directory.url.appendingPathComponent("hato.toml").path
        try "hostname = \"a\"\n[listen]\nsmtp = \"0.0.0.0:25\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await HatoBinary.run(["serve", "--config", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("hato.toml:3: listen.smtp: expected array"))
    }
}
