// Signed test zones served by a real unbound as an authoritative server on loopback, for the
// in-process validator's tests and DANE's (a zone script signs with ldnsutils and writes
// unbound.conf and the trust anchor anchor.ds into the directory it is given).

import DNSClient
import DNSMessage
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

    /// Runs `script DIR PORT arguments…` (it signs the zones and writes DIR/unbound.conf and
    /// DIR/anchor.ds), starts unbound on them and runs `body` with a validator whose trust anchor
    /// is anchor.ds; stops unbound afterwards.
    public static func with(script: String, arguments: [String] = [],
                            _ body: (ValidatingResolver, SignedZoneServer) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "hato-dnssec")
        let port = try freeLoopbackPort()
        let make = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"),
                                    arguments: [script, directory.path, String(port)] + arguments)
        let status = await make.exit(timeout: .seconds(120))
        try require(status == 0, "\(script) failed: \(make.output)\(make.errorOutput)")
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
