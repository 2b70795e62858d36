import Foundation
import ServerRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Debian's nginx as a reverse proxy in front of Hato's HTTP listener, run as a child process
/// with its own prefix, configuration and logs in a temporary directory (no root paths, no
/// daemon), on free loopback ports. The `server` blocks are the ones docs/deployment.md
/// documents, read from that file, so the documented configuration is the tested one.
public final class NginxProxy: Sendable {
    public static let executable = "/usr/sbin/nginx"
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// Where the documented port 80 and port 443 servers listen.
    public let httpPort: Int
    public let httpsPort: Int
    public let process: ChildProcess
    public let directory: TemporaryDirectory

    /// Starts nginx with docs/deployment.md's configuration, its upstream pointed at
    /// `127.0.0.1:hatoPort`, `example.com` read as `example.test`, and a generated certificate for
    /// the 443 server. Returns once both ports accept connections.
    public static func start(hatoPort: Int) async throws -> NginxProxy {
        let directory = try TemporaryDirectory(prefix: "hato-nginx")
        let cert = directory.url.appendingPathComponent("cert.pem"), key = directory.url.appendingPathComponent("key.pem")
        try DevelopmentCertificate.ensure(certificate: cert, key: key, hostname: "autoconfig.example.test")
        for attempt in 1...5 {
            let http = try FreePort.allocate(), https = try FreePort.allocate()
            let servers = try documentedServers()
                .replacingOccurrences(of: "listen [::]:80;\n", with: "").replacingOccurrences(of: "listen [::]:443 ssl;\n", with: "")
                .replacingOccurrences(of: "listen 80;", with: "listen 127.0.0.1:\(http);")
                .replacingOccurrences(of: "listen 443 ssl;", with: "listen 127.0.0.1:\(https) ssl;")
                .replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(hatoPort)")
                .replacingOccurrences(of: "/etc/letsencrypt/live/autoconfig.example.com/fullchain.pem", with: cert.path)
                .replacingOccurrences(of: "/etc/letsencrypt/live/autoconfig.example.com/privkey.pem", with: key.path)
                .replacingOccurrences(of: "example.com", with: "example.test")
            let prefix = directory.path
            let conf = """
                pid \(prefix)/nginx.pid;
                error_log \(prefix)/error.log info;
                events { worker_connections 64; }
                http {
                    access_log \(prefix)/access.log;
                    client_body_temp_path \(prefix)/client_body;
                    proxy_temp_path \(prefix)/proxy;
                    fastcgi_temp_path \(prefix)/fastcgi;
                    uwsgi_temp_path \(prefix)/uwsgi;
                    scgi_temp_path \(prefix)/scgi;
                \(servers)
                }

                """
            let path = directory.url.appendingPathComponent("nginx.conf").path
            try conf.write(toFile: path, atomically: true, encoding: .utf8)
            let process = try ChildProcess(
                executable: URL(fileURLWithPath: executable),
                arguments: ["-p", prefix, "-e", "\(prefix)/error.log", "-c", path, "-g", "daemon off; master_process off;"])
            process.closeInput()
            if await FreePort.waitUntilAccepting([http, https], while: { !process.hasExited }) {
                return NginxProxy(httpPort: http, httpsPort: https, process: process, directory: directory)
            }
            // Most likely another process took a port between allocation and bind: try new ones.
            process.signal(SIGKILL)
            _ = await process.exit(timeout: .seconds(10))
            if attempt == 5 {
                let log = (try? String(contentsOfFile: "\(prefix)/error.log", encoding: .utf8)) ?? ""
                throw ConformanceFailure("nginx did not start: \(process.errorOutput) \(log)")
            }
        }
        throw ConformanceFailure("unreachable")
    }

    private init(httpPort: Int, httpsPort: Int, process: ChildProcess, directory: TemporaryDirectory) {
        self.httpPort = httpPort
        self.httpsPort = httpsPort
        self.process = process
        self.directory = directory
    }

    /// nginx's access log so far (for failure messages).
    public var accessLog: String {
        (try? String(contentsOf: directory.url.appendingPathComponent("access.log"), encoding: .utf8)) ?? ""
    }

    /// SIGKILL: the test runner's blocked signals are inherited and nginx's single process
    /// never unblocks them, so SIGQUIT would wait out a timeout; it holds nothing to save.
    public func stop() async {
        process.signal(SIGKILL)
        _ = await process.exit(timeout: .seconds(20))
    }

    /// The fenced `nginx` block after the `nginx-tested` marker in docs/deployment.md, as written.
    public static func documentedServers() throws -> String {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/deployment.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        guard let marker = text.range(of: "<!-- nginx-tested"),
              let open = text.range(of: "```nginx\n", range: marker.upperBound..<text.endIndex),
              let close = text.range(of: "\n```", range: open.upperBound..<text.endIndex)
        else { throw ConformanceFailure("no nginx-tested block in \(docs.path)") }
        return String(text[open.upperBound..<close.lowerBound])
    }
}

/// Free loopback TCP ports, for peers (nginx) that cannot bind port 0 and report it.
public enum FreePort {
    /// A port the system just handed out for 127.0.0.1 and released again (a UDP one for `udp`:
    /// unbound serves both on the port it is given).
    public static func allocate(udp: Bool = false) throws -> Int {
        let fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ConformanceFailure("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ConformanceFailure("bind: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Polls until every port accepts a connection on 127.0.0.1 (30 s at most), or `condition`
    /// turns false (the server exited). A loopback connect does not block.
    public static func waitUntilAccepting(_ ports: [Int], while condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline && condition() {
            if ports.allSatisfy(accepts) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
