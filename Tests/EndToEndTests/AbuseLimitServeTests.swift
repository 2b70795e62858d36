import Foundation
import HatoTesting
import Testing

/// Issue 16, against the real binary: clients that flood without reading, and ten thousand
/// idle connections, leave the server's memory bounded and other clients served.
@Suite(.heavy) struct AbuseLimitServeTests {
    /// The resident set `hato serve` may reach in these tests. It idles near 40 MB; without
    /// backpressure the floods below took it past 1 GB (issue 16).
    static let rssBoundMB = 300

    /// Python: `rss()` is the server's VmRSS in MB, read from /proc (`sys.argv[1]` is its pid).
    static let rssHelper = ProcessMemory.pythonHelpers + "import socket, sys, threading, time\n"

    @Test func floodsThatNeverReadStayBoundedAndAreClosed() async throws {
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            pop3 = ["127.0.0.1:0"]
            [limits]
            max_unsent_output = "64K"
            output_stall_timeout = 3
            """)
        let pid = served.process.process.processIdentifier
        let result = try await Python.run(Self.rssHelper + """
            smtp, imap, pop3 = (int(p) for p in sys.argv[2:5])
            total = 24 * 1024 * 1024
            # Commands with long replies, so the kernel's send buffer (up to 4 MB with autotuning,
            # which counts as progress while it fills) is full after a few thousand commands even
            # for a debug build on a loaded machine; NOOP floods took it over 60 s.
            floods = [(smtp, b"EHLO flood.example\\r\\n"), (pop3, b"CAPA\\r\\n"), (imap, b"a CAPABILITY\\r\\n")]
            outcome = {}
            def flood(port, command):
                s = socket.create_connection(("127.0.0.1", port))
                s.settimeout(3)
                block = command * (65536 // len(command)); sent = 0
                try:
                    while sent < total:
                        s.sendall(block); sent += len(block)
                    outcome[port] = ("sent all", s)
                except socket.timeout: outcome[port] = ("blocked", s)
                except OSError: outcome[port] = ("closed", s)
            threads = [threading.Thread(target=flood, args=f) for f in floods]
            for t in threads: t.start()
            peak = rss()
            while any(t.is_alive() for t in threads):
                peak = max(peak, rss()); time.sleep(0.1)
            print("flooders held back:", sorted(set(o[0] for o in outcome.values())) != ["sent all"] or sorted(set(o[0] for o in outcome.values())))
            # Another client is served meanwhile.
            c = socket.create_connection(("127.0.0.1", smtp)); cf = c.makefile("rb")
            print(cf.readline()[:3].decode()); c.sendall(b"QUIT\\r\\n"); print(cf.readline()[:3].decode())
            # The floods are closed once nothing has moved for the stall timeout. Reading would be
            # progress, so the client watches its socket's TCP state (tcpi_state, 1 = ESTABLISHED).
            deadline = time.monotonic() + 150
            def established(s): return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == 1
            while time.monotonic() < deadline and any(established(s) for _, s in outcome.values()):
                peak = max(peak, rss()); time.sleep(0.2)
            closed = sum(1 for _, s in outcome.values() if not established(s))
            peak = max(peak, rss())
            print("closed:", closed)
            print({port: (o[0], established(o[1])) for port, o in outcome.items()}, file=sys.stderr)
            print("peak rss under bound:", peak < int(sys.argv[5]), peak, file=sys.stderr)
            print("peak rss under bound:", peak < int(sys.argv[5]))
            """, arguments: ["\(pid)", try served.port("smtp"), try served.port("imap"), try served.port("pop3"), "\(Self.rssBoundMB)"],
            timeout: 240)
        #expect(result.stdout == "flooders held back: True\n220\n221\nclosed: 3\npeak rss under bound: True\n", "\(result.stdout) \(result.stderr)")
        #expect(served.process.errorOutput.contains("closing a connection that does not read its replies"))
        await served.stop()
    }

    @Test func tenThousandIdleConnectionsAreCappedAndTheServerRecovers() async throws {
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            pop3 = ["127.0.0.1:0"]
            [limits]
            max_connections = 3000
            max_connections_per_listener = 1500
            max_connections_per_ip = 1000
            """)
        let pid = served.process.process.processIdentifier
        let result = try await Python.run(Self.rssHelper + """
            import resource
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            ports = [int(p) for p in sys.argv[2:5]]
            socks = []
            for i in range(10000):
                s = socket.create_connection(("127.0.0.1", ports[i % 3]), timeout=30, source_address=("127.0.0.%d" % (1 + i % 50), 0))
                socks.append(s)
            # Greetings: 3000 sessions, the rest answered busy and closed.
            first = {}
            for s in socks:
                line = s.makefile("rb").readline()
                key = line[:5].decode(); first[key] = first.get(key, 0) + 1
            print(sorted(first.items()))
            print("rss under bound:", rss() < int(sys.argv[5]))
            for s in socks: s.close()
            time.sleep(1)
            c = socket.create_connection(("127.0.0.1", ports[0])); cf = c.makefile("rb")
            print(cf.readline()[:3].decode()); c.sendall(b"QUIT\\r\\n"); print(cf.readline()[:3].decode())
            """, arguments: ["\(pid)", try served.port("smtp"), try served.port("imap"), try served.port("pop3"), "\(Self.rssBoundMB)"],
            timeout: 120)
        // Each listener holds at most 1500 and all together 3000: SMTP 220, IMAP "* OK", POP3 "+OK"
        // greet the sessions; "421 " (SMTP), "* BYE" (IMAP) and "-ERR " (POP3) refuse the rest.
        let counts = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(counts.contains("('* BYE"), "\(result.stdout) \(result.stderr)")
        #expect(counts.contains("('421 "), "\(result.stdout) \(result.stderr)")
        #expect(counts.contains("('-ERR "), "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.hasSuffix("rss under bound: True\n220\n221\n"), "\(result.stdout) \(result.stderr)")
        await served.stop()
    }

    /// Out of descriptors, accept(2) fails at once: the listener must pause instead of spinning
    /// (issue 16 saw 100% CPU), and serve again once descriptors are free. The server runs with
    /// a hard limit of 256 descriptors and a configured cap above it.
    @Test func descriptorExhaustionPausesAcceptingAndRecovers() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-emfile")
        let config = directory.url.appendingPathComponent("hato.toml").path
        try """
            hostname = "mail.example.test"
            data_dir = "data"
            [listen]
            smtp = ["127.0.0.1:0"]
            [limits]
            max_connections = 5000
            max_connections_per_listener = 5000
            max_connections_per_ip = 5000
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await Python.run("""
            import os, re, resource, socket, subprocess, sys, time
            hato, config, log = sys.argv[1], sys.argv[2], sys.argv[3]
            server = subprocess.Popen([hato, "serve", "--config", config], stdout=subprocess.PIPE, stderr=open(log, "w"),
                                      preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256)))
            port = None
            while port is None:
                line = server.stdout.readline().decode()
                if not line: sys.exit("server exited: " + open(log).read()[-2000:])
                m = re.match(r"smtp +listening on 127.0.0.1:([0-9]+)", line)
                if m: port = int(m.group(1))
            def cpu_ticks():
                fields = open(f"/proc/{server.pid}/stat").read().rsplit(")", 1)[1].split()
                return int(fields[11]) + int(fields[12])
            socks = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(350)]
            time.sleep(1)
            before = cpu_ticks(); time.sleep(3); used = (cpu_ticks() - before) / os.sysconf("SC_CLK_TCK") / 3
            print("not spinning:", used < 0.5, file=sys.stderr); print(used, file=sys.stderr)
            print("not spinning:", used < 0.5)
            for s in socks: s.close()
            time.sleep(2)
            try:
                c = socket.create_connection(("127.0.0.1", port), timeout=20); cf = c.makefile("rb")
                print(cf.readline()[:3].decode()); c.sendall(b"QUIT\\r\\n"); print(cf.readline()[:3].decode())
            except OSError as e:
                # Seen once in a loaded full run (connection refused): say whether the server lived.
                sys.exit(f"{e}; server exit status {server.poll()}; log: {open(log).read()[-3000:]}")
            server.terminate(); server.wait(60)
            print("paused:", "accept failed; pausing new connections" in open(log).read())
            """, arguments: [try HatoBinary.url.path, config, directory.url.appendingPathComponent("hato.log").path], timeout: 120)
        #expect(result.stdout == "not spinning: True\n220\n221\npaused: True\n", "\(result.stdout) \(result.stderr)")
    }

    /// `limits.listen_backlog` reaches listen(2): `ss` (iproute2) shows a listening socket's
    /// backlog in its Send-Q column. Default 4096, capped by the kernel at net.core.somaxconn.
    @Test func listenBacklogIsConfigured() async throws {
        let ss = ["/usr/bin/ss", "/bin/ss", "/usr/sbin/ss", "/sbin/ss"].first { FileManager.default.isExecutableFile(atPath: $0) }
        try #require(ss != nil || !Python.requiredInCI, "CI is set but ss (iproute2) is not installed")
        guard let ss else { return }
        let somaxconn = Int((try? String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 4096
        for (line, expected) in [("", min(4096, somaxconn)), ("listen_backlog = 777", min(777, somaxconn))] {
            let served = try await ServedHato.start("""
                [listen]
                imap = ["127.0.0.1:0"]
                [limits]
                \(line)
                """)
            let port = try served.port("imap")
            let output = try await Python.run("""
                import subprocess, sys
                print(subprocess.run([sys.argv[1], "-Hltn", "sport = :" + sys.argv[2]], capture_output=True, text=True).stdout.split()[2])
                """, arguments: [ss, port], timeout: 30)
            #expect(output.stdout == "\(expected)\n", "\(line): \(output.stdout) \(output.stderr)")
            await served.stop()
        }
    }
}
