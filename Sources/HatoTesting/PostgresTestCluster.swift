import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL 15 cluster for the shared-database store's tests (Debian `postgresql`):
/// initdb into a temporary directory, the server on 127.0.0.1 and an ephemeral port, the user
/// `hato` with `password` (SCRAM-SHA-256 over TCP, so clients really authenticate), fsync off. initdb refuses to run as root, so a root test
/// run starts it as `nobody` (through runuser), which owns the directory.
///
/// The server is the child of a small shell that waits on its standard input: when the test
/// process ends, however it ends, the pipe closes and the shell stops the server and removes the
/// data directory, so no cluster outlives its tests.
public final class PostgresTestCluster: Sendable {
    public static let binDirectory = "/usr/lib/postgresql/15/bin"
    /// Whether the PostgreSQL 15 server binaries are installed.
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: binDirectory + "/initdb") }
    /// Set in CI: a missing server fails the tests there instead of skipping them.
    public static var requiredInCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    public let port: Int
    public let user = "hato"
    public let password = "hato-test-db-password"
    public let directory: String
    let process: ChildProcess

    private init(port: Int, directory: String, process: ChildProcess) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    private static let sharedCluster = Task { try await start() }

    /// One cluster per test process, started by the first test that asks.
    public static func shared() async throws -> PostgresTestCluster { try await sharedCluster.value }

    static let script = #"""
        set -u
        dir="$1"; port="$2"; bin="$3"; password="$4"
        if [ ! -d "$dir/data" ]; then
          printf '%s\n' "$password" >"$dir/pwfile"
          "$bin/initdb" -D "$dir/data" -U hato --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/pwfile" -E UTF8 --no-locale \
            >"$dir/initdb.log" 2>&1 || { echo "initdb failed:"; cat "$dir/initdb.log"; exit 1; }
          rm -f "$dir/pwfile"
        fi
        "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir" -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
          -c full_page_writes=off -c max_connections=400 >"$dir/postgres.log" 2>&1 &
        pid=$!
        i=0
        until "$bin/pg_isready" -q -h "$dir" -p "$port"; do
          if ! kill -0 "$pid" 2>/dev/null; then echo "postgres exited:"; tail -5 "$dir/postgres.log"; exit 2; fi
          i=$((i+1)); if [ "$i" -gt 300 ]; then echo "postgres not ready"; kill "$pid"; exit 3; fi
          sleep 0.1
        done
        echo ready
        read _ignored || true
        kill -INT "$pid"; wait "$pid"
        cd / && rm -rf "$dir"
        """#

    /// Starts a new cluster (a few tries: another process may take the chosen port first).
    public static func start() async throws -> PostgresTestCluster {
        // As root the server runs as nobody, who must reach the directory: /tmp, not a private TMPDIR.
        let base = geteuid() == 0 ? URL(fileURLWithPath: "/tmp") : FileManager.default.temporaryDirectory
        let directory = base.appendingPathComponent("hato-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var command = ["/bin/sh", "-c", script, "postgres-test"]
        if geteuid() == 0 {
            guard let nobody = getpwnam("nobody") else { throw ConformanceFailure("no user nobody to run initdb as") }
            guard chown(directory, nobody.pointee.pw_uid, nobody.pointee.pw_gid) == 0 else {
                throw ConformanceFailure("chown \(directory): \(String(cString: strerror(errno)))")
            }
            command = ["/usr/sbin/runuser", "-u", "nobody", "--"] + command
        }
        var failures: [String] = []
        for _ in 0..<5 {
            let port = try freePort()
            let process = try ChildProcess(executable: URL(fileURLWithPath: command[0]),
                                           arguments: Array(command.dropFirst()) + [directory, String(port), binDirectory, "hato-test-db-password"])
            do {
                try await process.waitFor(timeout: .seconds(60), "postgres ready") { output, _ in output.contains("ready\n") }
                return PostgresTestCluster(port: port, directory: directory, process: process)
            } catch {
                process.closeInput()
                _ = await process.exit(timeout: .seconds(10))
                failures.append(process.output + process.errorOutput)
            }
        }
        throw ConformanceFailure("PostgreSQL test cluster did not start: \(failures.joined(separator: " | "))")
    }

    /// Creates an empty database and returns its name.
    public func createDatabase() async throws -> String {
        let name = "hato_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let createdb = try ChildProcess(executable: URL(fileURLWithPath: Self.binDirectory + "/createdb"),
                                        arguments: ["-h", "127.0.0.1", "-p", String(port), "-U", user, name],
                                        environment: ["PGPASSWORD": password])
        createdb.closeInput()
        let status = await createdb.exit(timeout: .seconds(60))
        guard status == 0 else { throw ConformanceFailure("createdb \(name): \(createdb.errorOutput)") }
        return name
    }

    /// `postgres://hato@127.0.0.1:PORT/NAME` for a database of this cluster.
    public func url(database: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }

    /// The `[store]` section of `hato serve` nodes sharing a new database of this cluster, the
    /// password in `directory/db-password` (nodes read it from there, never from the file).
    public func storeSection(passwordIn directory: TemporaryDirectory) async throws -> String {
        let database = try await createDatabase()
        let passwordFile = directory.url.appendingPathComponent("db-password").path
        try password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        return """
            [store]
            backend = "postgres"
            url = "\(url(database: database))"
            password_file = "\(passwordFile)"
            tls = "disable"
            max_connections = 4
            """
    }

    /// Stops the server and removes its files.
    public func stop() async {
        process.closeInput()
        _ = await process.exit(timeout: .seconds(30))
    }

    /// A port nothing listens on now (the kernel's choice for port 0).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ConformanceFailure("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw ConformanceFailure("bind: \(String(cString: strerror(errno)))") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ConformanceFailure("getsockname: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
