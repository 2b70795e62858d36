import Foundation
import HatoTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `hato serve` started as root binds its ports and becomes `[server] user` (docs/deployment.md);
/// a production configuration without one is refused; an unprivileged start with
/// CAP_NET_BIND_SERVICE needs nothing. This machine and CI run the suite as root, so the drop is
/// tested for real; elsewhere these tests say why they skip.
@Suite struct PrivilegeDropTests {
    static let isRoot = geteuid() == 0

    /// A free port below 1024 on loopback (only root can bind it, which is the point).
    static func privilegedPort() -> Int? { freePort(in: 600...1020) }

    /// A loopback port nobody holds right now, from `range` (default: one the kernel picks).
    /// Give a range below the ephemeral ports (20000...32000) when another program is to bind
    /// it: the suite's port-0 listeners would otherwise race for it.
    static func freePort(in range: ClosedRange<Int>? = nil) -> Int? {
        for _ in 0..<200 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(range.map { Int.random(in: $0) } ?? 0).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            if bound { return Int(UInt16(bigEndian: address.sin_port)) }
        }
        return nil
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func isListening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// "Uid:" and "Gid:" of /proc/PID/status: real, effective, saved, file system ids.
    static func ids(_ pid: Int32) throws -> (uid: [String], gid: [String], capEff: String) {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8).split(separator: "\n")
        func field(_ name: String) -> [String] {
            status.first { $0.hasPrefix(name + ":") }.map { $0.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().map(String.init) } ?? []
        }
        return (field("Uid"), field("Gid"), field("CapEff").first ?? "")
    }

    static func chownTree(_ url: URL, uid: uid_t, gid: gid_t) {
        _ = lchown(url.path, uid, gid)
        let enumerator = FileManager.default.enumerator(atPath: url.path)
        while let name = enumerator?.nextObject() as? String { _ = lchown(url.appendingPathComponent(name).path, uid, gid) }
    }

    func writeConfig(_ directory: TemporaryDirectory, _ body: String) throws -> String {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try ("hostname = \"mail.example.test\"\ndata_dir = \"data\"\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(.enabled(if: isRoot, "needs root: the drop from root is what is tested"))
    func rootStartBindsThenRunsAsServerUser() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-drop")
        _ = chmod(directory.path, 0o755)
        let port = try #require(Self.privilegedPort(), "no free port below 1024")
        let config = try writeConfig(directory, """
            [listen]
            smtp = ["127.0.0.1:\(port)"]
            pop3 = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [server]
            user = "nobody"
            [store]
            inline_body_max = 0
            """)
        // The operator set up the domain as root: the data directory is root's, and the server,
        // about to run as nobody, says so instead of failing later on its first message.
        #expect(try await HatoBinary.run(["domain", "add", "example.test", "--config", config]).status == 0)
        #expect(try await HatoBinary.run(["account", "add", "alice@example.test", "--password-stdin", "--config", config],
                                         stdin: "long enough pw\n").status == 0)
        let data = directory.url.appendingPathComponent("data")
        let refused = try await HatoBinary.run(["serve", "--config", config], timeout: .seconds(60))
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("data_dir \(data.path) belongs to user id 0, but hato serve runs as nobody (uid 65534)"),
                "\(refused.stderr)")
        #expect(refused.stderr.contains("chown -R nobody: \(data.path)"))

        Self.chownTree(data, uid: 65534, gid: 65534)
        let server = try HatoProcess(["serve", "--config", config])
        try await server.waitFor("the banner") { out, _ in out.contains("root dropped after binding") }
        #expect(server.output.contains("smtp         listening on 127.0.0.1:\(port)"))
        #expect(server.output.contains("user:        nobody (uid 65534, gid 65534)"))
        let ids = try Self.ids(server.process.processIdentifier)
        #expect(ids.uid == ["65534", "65534", "65534", "65534"], "real, effective, saved and fs uid")
        #expect(ids.gid == ["65534", "65534", "65534", "65534"])
        #expect(ids.capEff == "0000000000000000", "no capability left")

        // Mail still flows: in on the privileged port, stored by nobody, out over POP3.
        let result = try await Python.run("""
            import smtplib, poplib, sys
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
            s.sendmail("friend@remote.test", ["alice@example.test"], b"Subject: after the drop\\r\\n\\r\\nhi\\r\\n"); s.quit()
            p = poplib.POP3("127.0.0.1", int(sys.argv[2])); p.user("alice@example.test"); p.pass_("long enough pw")
            print([l.decode() for l in p.retr(1)[1] if l.startswith(b"Subject:")][0]); p.quit()
            """, arguments: [String(port), try server.listenerPort("pop3")])
        #expect(result.stdout == "Subject: after the drop\n", "\(result.stdout) \(result.stderr) \(server.errorOutput)")
        let messages = try FileManager.default.subpathsOfDirectory(atPath: data.appendingPathComponent("messages").path)
        let owners = try messages.map { try FileManager.default.attributesOfItem(atPath: data.appendingPathComponent("messages/\($0)").path)[.ownerAccountID] as? Int }
        // (inline_body_max = 0 above: the message gets a file of its own, as larger ones do.)
        #expect(owners.count >= 3 && owners.allSatisfy { $0 == 65534 }, "message files written by nobody: \(messages) \(owners)")

        server.signal(SIGTERM)
        #expect(await server.exit() == 0)
        #expect(server.errorOutput.contains("dropped root privileges"))
    }

    @Test(.enabled(if: isRoot, "needs root: the refusal is for root starts"))
    func rootStartOfAProductionConfigurationWithoutUserIsRefused() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-drop")
        let config = try writeConfig(directory, """
            [listen]
            smtp = ["0.0.0.0:0"]
            imap = ["127.0.0.1:0"]
            """)
        let result = try await HatoBinary.run(["serve", "--config", config], timeout: .seconds(60))
        #expect(result.status != 0)
        #expect(result.stderr.contains("refusing to serve smtp on 0.0.0.0:0 as root: set [server] user"), "\(result.stderr)")
        #expect(!result.stdout.contains("listening on"))
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("data").path), "nothing created as root")

        // Loopback on high ports (the development shape, and every other test here) still runs as root.
        let loopback = try writeConfig(directory, "[listen]\nimap = [\"127.0.0.1:0\"]\n")
        let server = try HatoProcess(["serve", "--config", loopback])
        try await server.waitFor("the banner") { out, _ in out.contains("listening on") }
        #expect(!server.output.contains("user:"))
        server.signal(SIGTERM)
        #expect(await server.exit() == 0)
    }

    @Test(.enabled(if: isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "needs root and setpriv (util-linux) to start hato as nobody with one ambient capability"))
    func unprivilegedStartWithBindCapabilityNeedsNothing() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-cap")
        _ = chmod(directory.path, 0o755)
        let port = try #require(Self.privilegedPort(), "no free port below 1024")
        let config = try writeConfig(directory, "[listen]\nsmtp = [\"127.0.0.1:\(port)\"]\n[server]\nuser = \"nobody\"\n")
        let data = directory.url.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        Self.chownTree(data, uid: 65534, gid: 65534)
        // What systemd does for User=hato with AmbientCapabilities=CAP_NET_BIND_SERVICE.
        let server = try ChildProcess(
            executable: URL(fileURLWithPath: "/usr/bin/setpriv"),
            arguments: ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=+net_bind_service",
                        "--ambient-caps=+net_bind_service", try HatoBinary.url.path, "serve", "--config", config],
            environment: ["HATO_DNS_TIMEOUT": HatoProcess.testDNSTimeout])
        try await server.waitFor("the banner") { out, _ in out.contains("\ndelivery ") }
        #expect(server.output.contains("smtp         listening on 127.0.0.1:\(port)"), "\(server.output) \(server.errorOutput)")
        #expect(!server.output.contains("root dropped"), "nothing to drop")
        #expect(try Self.ids(server.process.processIdentifier).uid.first == "65534")
        let banner = try await Python.run("""
            import socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); print(s.recv(100).decode().split()[0])
            """, arguments: [String(port)])
        #expect(banner.stdout == "220\n")
        server.signal(SIGTERM)
        #expect(await server.exit() == 0)
    }

    /// `smtp = ["0.0.0.0:25", "[::]:25"]`, the shape of every production configuration: the IPv6
    /// socket is IPv6-only, so both bind one port (it used to fail with EADDRINUSE).
    @Test(.enabled(if: isRoot, "needs root: a wildcard address is a production configuration"))
    func wildcardIPv4AndIPv6ShareOnePort() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-dual")
        _ = chmod(directory.path, 0o755)
        var started: (server: HatoProcess, port: Int)?
        // A port free on both families right now, below the ephemeral range the other tests'
        // port-0 listeners draw from; another attempt if something takes it meanwhile.
        for _ in 0..<5 where started == nil {
            let probe = try await Python.run("""
                import random, socket
                for _ in range(200):
                    port = random.randrange(20000, 32000)
                    try:
                        s = socket.socket(socket.AF_INET6); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                        s.bind(("::", port)); t = socket.socket(); t.bind(("0.0.0.0", port)); print(port); break
                    except OSError as e:
                        if e.errno != 98: raise
                """)
            guard probe.status == 0, let port = Int(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                // No IPv6 here: nothing to share the port with (CI has IPv6 loopback).
                if Python.requiredInCI { Issue.record("no IPv6 wildcard socket: \(probe.stderr)") }
                return
            }
            let config = try writeConfig(directory, "[listen]\nsmtp = [\"0.0.0.0:\(port)\", \"[::]:\(port)\"]\n[server]\nuser = \"nobody\"\n")
            let server = try HatoProcess(["serve", "--config", config])
            do {
                try await server.waitFor("the banner") { out, _ in out.contains("root dropped") }
                started = (server, port)
            } catch {
                _ = await server.exit()
                guard server.errorOutput.contains("Address already in use") else { throw error }
            }
        }
        let (server, port) = try #require(started)
        #expect(server.output.contains("smtp         listening on 0.0.0.0:\(port), :::\(port)"), "\(server.output)")
        let greetings = try await Python.run("""
            import socket, sys
            for host in ("127.0.0.1", "::1"):
                s = socket.create_connection((host, int(sys.argv[1]))); print(s.recv(4).decode()); s.close()
            """, arguments: [String(port)])
        #expect(greetings.stdout == "220 \n220 \n", "\(greetings.stderr)")
        server.signal(SIGTERM)
        #expect(await server.exit() == 0)
    }
}
