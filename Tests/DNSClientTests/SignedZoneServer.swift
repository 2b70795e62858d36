// Signed test zones (Fixtures/make-signed-zones.sh, ldnsutils) served by a real unbound
// as an authoritative server on loopback, for the in-process validator's tests.

import DNSClient
import DNSMessage
import Foundation
import HatoTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

struct SignedZoneServer {
    let directory: TemporaryDirectory
    let port: Int
    let process: ChildProcess

    static let unbound = "/usr/sbin/unbound"
    static let signzone = "/usr/bin/ldns-signzone"

    /// False (and a recorded issue in CI, where .ci/run installs them) without unbound or ldnsutils.
    static func available() -> Bool {
        if FileManager.default.isExecutableFile(atPath: unbound), FileManager.default.isExecutableFile(atPath: signzone) {
            return true
        }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("unbound or ldnsutils missing in CI: .ci/run installs them")
        }
        return false
    }

    /// Signs the zones, starts unbound on them and runs `body` with a validator whose trust
    /// anchor is the test zone's DS; stops unbound afterwards.
    static func with(_ body: (ValidatingResolver, SignedZoneServer) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "hato-dnssec")
        let port = try freeLoopbackPort()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/make-signed-zones.sh").path
        let make = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"),
                                    arguments: [script, directory.path, String(port)])
        let status = await make.exit(timeout: .seconds(120))
        try require(status == 0, "make-signed-zones.sh failed: \(make.output)\(make.errorOutput)")
        let process = try ChildProcess(executable: URL(fileURLWithPath: unbound),
                                       arguments: ["-d", "-c", directory.path + "/unbound.conf"])
        let server = SignedZoneServer(directory: directory, port: port, process: process)
        do {
            try await process.waitFor(timeout: .seconds(60), "unbound to start") { _, err in err.contains("start of service") }
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

    /// A UDP port on 127.0.0.1 the kernel just handed out and we released (unbound cannot be
    /// told to pick one itself).
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        try require(fd >= 0, "socket failed")
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try require(bound, "bind failed")
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
