import Foundation
import HatoTesting
import Testing

/// What the `hato.service` unit relies on: systemd accepts the file quickstart writes, and
/// `hato serve` says READY=1 on $NOTIFY_SOCKET (Type=notify) once every listener is bound.
@Suite struct SystemdServiceTests {
    @Test func serveNotifiesReadinessOnTheNotifySocket() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-notify")
        let socket = directory.url.appendingPathComponent("notify").path
        let listener = try Python.start("""
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(60)
            print("bound", flush=True); print(s.recv(4096).decode().replace("\\n", "|"), flush=True)
            """, arguments: [socket])
        var offset = 0
        #expect(await listener.nextLine(from: &offset) == "bound")
        let config = directory.url.appendingPathComponent("hato.toml").path
        try "data_dir = \"data\"\n[listen]\nimap = [\"127.0.0.1:0\"]\n".write(toFile: config, atomically: true, encoding: .utf8)
        let server = try HatoProcess(["serve", "--config", config], environment: ["NOTIFY_SOCKET": socket])
        let message = await listener.nextLine(from: &offset)
        #expect(message == "READY=1|STATUS=serving")
        // The banner is written before READY=1, but it reaches us through another pipe, read on
        // its own schedule (a full run once looked before it had been read): wait for it.
        try await server.waitFor(timeout: .seconds(10), "the listening banner") { out, _ in out.contains("listening on") }
        server.signal(SIGTERM)
        #expect(await server.exit() == 0)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "needs systemd-analyze (systemd)"))
    func quickstartUnitPassesSystemdAnalyzeVerify() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-unit")
        let config = directory.url.appendingPathComponent("etc/hato.toml").path
        let made = try await HatoBinary.run(["quickstart", "you@example.test", "--hostname", "mail.example.test", "--public-ip", "192.0.2.10",
                                             "--data-dir", "/var/lib/hato-unit-test", "--config", config, "--password-stdin"],
                                            stdin: "long enough pw\n")
        try? FileManager.default.removeItem(atPath: "/var/lib/hato-unit-test")
        #expect(made.status == 0, "\(made.stderr)")
        let unit = directory.url.appendingPathComponent("etc/hato.service").path
        let verified = try await HatoBinary.runTool("/usr/bin/systemd-analyze", ["verify", unit])
        #expect(verified.status == 0)
        #expect(verified.stdout.isEmpty, "no warning about any line: \(verified.stdout)")
    }
}
