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

    /// A port another process holds: `hato serve` says which listener could not bind and exits
    /// non-zero, instead of waiting forever for it (it used to close the store, print nothing
    /// and hang, deaf to SIGTERM, because the banner waited for that listener's addresses).
    @Test func portInUseStopsStartupWithTheReason() async throws {
        let holder = try Python.start("""
            import socket, time
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
            print(s.getsockname()[1], flush=True); time.sleep(120)
            """)
        var offset = 0
        let port = try #require(await holder.nextLine(from: &offset).flatMap { Int($0) })
        let directory = try TemporaryDirectory(prefix: "hato-serve")
        let path = directory.url.appendingPathComponent("hato.toml").path
        try """
            data_dir = "data"
            [listen]
            smtp = ["127.0.0.1:\(port)"]
            imap = ["127.0.0.1:0"]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await HatoBinary.run(["serve", "--config", path], timeout: .seconds(60))
        #expect(result.status != 0 && result.status != SIGKILL, "exit \(result.status)")
        #expect(result.stderr.contains("cannot listen for smtp"), "\(result.stderr)")
        #expect(!result.stdout.contains("listening on"), "no banner: \(result.stdout)")
        holder.signal(SIGKILL)
    }
}
