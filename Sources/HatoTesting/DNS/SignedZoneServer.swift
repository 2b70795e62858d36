// Signed test zones served by a real unbound as an authoritative server on loopback, for the
// in-process validator's tests and DANE's (a zone script signs with ldnsutils and writes
// unbound.conf and the trust anchor anchor.ds into the directory it is given).

import DNSClient
import DNSMessage
import Foundation

public struct SignedZoneServer: Sendable {
    public let directory: TemporaryDirectory
    public let port: Int
    let process: ChildProcess

    static let unbound = "/usr/sbin/unbound"
    static let signzone = "/usr/bin/ldns-signzone"

    /// True when unbound and ldnsutils are installed (.ci/run installs them; a test that finds
    /// them missing records an issue when `Python.requiredInCI`).
    public static var toolsInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: unbound) && FileManager.default.isExecutableFile(atPath: signzone)
    }

    /// Runs `script DIR arguments…` (it signs the zones and writes DIR/anchor.ds and DIR/zones,
    /// one "zone. file" line per zone to serve), starts unbound on them and runs `body` with a validator whose trust anchor
    /// is anchor.ds; stops unbound afterwards.
    public static func with(script: String, arguments: [String] = [],
                            _ body: (ValidatingResolver, SignedZoneServer) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "hato-dnssec")
        let make = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"),
                                    arguments: [script, directory.path] + arguments)
        let status = await make.exit(timeout: .seconds(120))
        try require(status == 0, "\(script) failed: \(make.output)\(make.errorOutput)")
        let (port, process) = try await startUnbound(directory: directory.path)
        let server = SignedZoneServer(directory: directory, port: port, process: process)
        do {
            let resolver = try ValidatingResolver(servers: [DNSServer(host: "127.0.0.1", port: port)],
                                                  trustAnchorFiles: [directory.path + "/anchor.ds"])
            try await body(resolver, server)
        } catch {
            process.signal(SIGTERM)
            _ = await process.exit(timeout: .seconds(30))
            throw error
        }
        process.signal(SIGTERM)
        _ = await process.exit(timeout: .seconds(30))
    }

    /// unbound on a free port. The port is free for UDP when chosen, but unbound binds TCP on it
    /// too, and in the full parallel suite another test's outgoing connection can hold that
    /// ephemeral port: unbound then exits with "could not open ports" and a new port is tried.
    static func startUnbound(directory: String) async throws -> (Int, ChildProcess) {
        for attempt in 1...5 {
            let port = try FreePort.allocate(udp: true)
            try writeConfiguration(directory: directory, port: port)
            let process = try ChildProcess(executable: URL(fileURLWithPath: unbound), arguments: ["-d", "-c", directory + "/unbound.conf"])
            do {
                // Three minutes: a loaded full run once saw no word from unbound in 60 s.
                try await process.waitFor(timeout: .seconds(180), "unbound to start") { _, err in err.contains("start of service") }
                return (port, process)
            } catch where attempt < 5 && process.errorOutput.contains("could not open ports") {
                process.signal(SIGTERM)
                _ = await process.exit(timeout: .seconds(10))
            }
        }
        throw ConformanceFailure("unreachable: the last attempt throws")
    }

    /// Serves each "zone file" line of DIR/zones authoritatively on 127.0.0.1:`port`.
    static func writeConfiguration(directory: String, port: Int) throws {
        let zones = try String(contentsOfFile: directory + "/zones", encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ") }
        var lines = ["server:", "    interface: 127.0.0.1", "    port: \(port)", "    do-ip6: no", "    do-daemonize: no",
                     "    use-syslog: no", "    logfile: \"\"", "    username: \"\"", "    chroot: \"\"", "    directory: \"\(directory)\"",
                     "    pidfile: \"\(directory)/unbound.pid\"", "    module-config: \"iterator\""]
        for zone in zones where zone.count == 2 {
            lines.append("    local-zone: \"\(zone[0])\" nodefault")
        }
        for zone in zones where zone.count == 2 {
            lines += ["auth-zone:", "    name: \"\(zone[0])\"", "    zonefile: \"\(directory)/\(zone[1])\"",
                      "    for-downstream: yes", "    for-upstream: no"]
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/unbound.conf", atomically: true, encoding: .utf8)
    }
}
