import Foundation
import HatoTesting
import Logging
import NIOCore
import ServerRuntime
import ServiceLifecycle
import Testing

/// Issue 16: the listener layer's defences against hostile peers, with the tiny line protocol.
@Suite struct AbuseLimitTests {
    /// Runs listeners (one per configuration, sharing `sharedLimit` when given) and `body` with their ports.
    func withListeners(
        _ configurations: [ListenerService.Configuration], sharedLimit: Int? = nil, handshakeTimeout: Duration = .seconds(30),
        _ body: @Sendable ([Int]) async throws -> Void
    ) async throws {
        let provider = try TestTLS.provider()
        provider.handshakeTimeout = handshakeTimeout
        let shared = sharedLimit.map { ConnectionBudget(limit: $0) }
        var logger = Logger(label: "test.abuse")
        logger.logLevel = .warning
        let listeners = configurations.map {
            ListenerService(configuration: $0, protocolServer: LineProtocol(), tls: provider, sharedBudget: shared, logger: logger)
        }
        let group = ServiceGroup(configuration: .init(services: listeners, logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var ports: [Int] = []
            for listener in listeners { ports.append(try #require(await listener.boundAddresses().first?.port)) }
            try await body(ports)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func configuration(implicitTLS: Bool = false, maxConnections: Int = .max, maxPerIP: Int = 50) -> ListenerService.Configuration {
        var configuration = ListenerService.Configuration(
            name: "test", addresses: [BindAddress(host: "127.0.0.1", port: 0)], implicitTLS: implicitTLS, maxConnectionsPerIP: maxPerIP)
        configuration.maxConnections = maxConnections
        configuration.gracePeriod = .seconds(5)
        return configuration
    }

    /// Opens `count` connections to each port from 127.0.0.1, .2, .3 ... in turn and prints each
    /// greeting; then checks the first connections still answer.
    static let connectFromManyAddresses = """
        import socket, sys
        count = int(sys.argv[1]); ports = [int(p) for p in sys.argv[2:]]
        socks = []
        for i in range(count):
            port = ports[i % len(ports)]
            s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=("127.0.0.%d" % (1 + i % 4), 0))
            socks.append(s)
            print(s.makefile("rb").readline().decode().strip())
        for s in socks[:len(socks) - 1]:
            s.sendall(b"echo still here\\r\\n")
        print(sorted(set(s.makefile("rb").readline().decode().strip() for s in socks[:len(socks) - 1])))
        """

    @Test func listenerCapAnswersTheNextConnectionBusyAndKeepsServingTheOthers() async throws {
        try await withListeners([Self.configuration(maxConnections: 5)]) { ports in
            let result = try await Python.run(Self.connectFromManyAddresses, arguments: ["6", "\(ports[0])"])
            // Five sessions from four addresses (under the per-IP limit), the sixth is busy.
            #expect(result.stdout == "hello\nhello\nhello\nhello\nhello\nbusy\n['still here']\n", "\(result.stderr)")
        }
    }

    @Test func serverCapIsSharedByEveryListener() async throws {
        try await withListeners([Self.configuration(), Self.configuration()], sharedLimit: 3) { ports in
            let result = try await Python.run(Self.connectFromManyAddresses, arguments: ["4", "\(ports[0])", "\(ports[1])"])
            #expect(result.stdout == "hello\nhello\nhello\nbusy\n['still here']\n", "\(result.stderr)")
        }
    }

    /// Half a ClientHello: the record header announces 512 bytes, 40 arrive.
    static let halfClientHello = #"b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(29)"#

    @Test func stalledImplicitTLSHandshakeIsClosedAfterTheTimeout() async throws {
        try await withListeners([Self.configuration(implicitTLS: true)], handshakeTimeout: .seconds(1)) { ports in
            let result = try await Python.run("""
                import socket, sys, time
                silent = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
                half = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
                half.sendall(\(Self.halfClientHello))
                start = time.monotonic()
                for s in (silent, half):
                    s.settimeout(20)
                    try: data = s.recv(100)
                    except ConnectionResetError: data = b""
                    print(repr(data), time.monotonic() - start < 15)
                """, arguments: ["\(ports[0])"])
            #expect(result.stdout == "b'' True\nb'' True\n", "\(result.stderr)")
        }
    }

    @Test func stalledHandshakeAfterSTARTTLSIsClosedAfterTheTimeout() async throws {
        try await withListeners([Self.configuration()], handshakeTimeout: .seconds(1)) { ports in
            let result = try await Python.run("""
                import socket, sys, time
                s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
                f = s.makefile("rb")
                print(f.readline().decode().strip())
                s.sendall(b"starttls\\r\\n"); print(f.readline().decode().strip())
                s.sendall(\(Self.halfClientHello))
                start = time.monotonic()
                s.settimeout(20)
                try: data = s.recv(100)
                except ConnectionResetError: data = b""
                print(repr(data), time.monotonic() - start < 15)
                """, arguments: ["\(ports[0])"])
            #expect(result.stdout == "hello\ngo\nb'' True\n", "\(result.stderr)")
        }
    }

    @Test func completedHandshakeIsNotCutOffByTheDeadline() async throws {
        try await withListeners([Self.configuration(implicitTLS: true)], handshakeTimeout: .seconds(1)) { ports in
            let result = try await Python.run("""
                import socket, ssl, sys, time
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
                f = s.makefile("rb"); print(f.readline().decode().strip())
                time.sleep(2.5)
                s.sendall(b"echo after\\r\\n"); print(f.readline().decode().strip())
                """, arguments: ["\(ports[0])"])
            #expect(result.stdout == "hello\nafter\n", "\(result.stderr)")
        }
    }

    /// A client that sends echo commands without reading: the listener stops reading its input
    /// once `maxUnsentOutput` waits, so the client's sends block, and closes the connection when
    /// nothing moves for `outputStallTimeout`.
    @Test func clientThatDoesNotReadIsThrottledThenClosed() async throws {
        var configuration = Self.configuration()
        configuration.maxUnsentOutput = 64 * 1024
        configuration.outputStallTimeout = .seconds(2)
        try await withListeners([configuration]) { ports in
            let result = try await Python.run("""
                import socket, sys, time
                # A small receive buffer, set before connecting: shrinking it on an open connection
                # (as this test once did) makes the kernel drop segments already inside the window it
                # advertised, and on loopback both ends then sat in retransmission backoff with the
                # client's input unsent, so the server, its replies all in the kernel, had nothing
                # stalled to close (seen under full-suite load with `ss -tni`: lost, backoff 4).
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
                s.connect(("127.0.0.1", int(sys.argv[1])))
                s.settimeout(3)
                chunk = b"echo " + b"x" * 1000 + b"\\r\\n"
                sent, closed = 0, False
                try:
                    while sent < 200_000_000:
                        s.sendall(chunk * 64); sent += len(chunk) * 64
                except socket.timeout: pass
                except (BrokenPipeError, ConnectionResetError): closed = True
                print("blocked before 200 MB:", sent < 200_000_000)
                print("blocked after", sent, "octets at", round(time.monotonic(), 1), file=sys.stderr, flush=True)
                other = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
                o = other.makefile("rb"); print(o.readline().decode().strip())
                other.sendall(b"echo fine\\r\\n"); print(o.readline().decode().strip())
                # Closed once nothing has moved for the stall timeout. Reading would be progress,
                # so watch the socket's TCP state instead (tcpi_state 1 = ESTABLISHED).
                # Each second both ends' queues and TCP state (windows, probes) go to stderr, shown if
                # the test fails: twice under the full suite the server had read all input (Recv-Q 0)
                # with 384 KB unsent in the kernel and nothing left in NIO, so nothing was stalled.
                import subprocess
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == 1:
                    time.sleep(1)
                    queues = subprocess.run("ss -tni '( sport = :%s or dport = :%s )'" % (sys.argv[1], sys.argv[1]), shell=True, capture_output=True, text=True).stdout
                    print(round(time.monotonic(), 1), queues.replace(chr(10), " | "), file=sys.stderr, flush=True)
                closed = closed or s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] != 1
                print("closed:", closed)
                """, arguments: ["\(ports[0])"], timeout: 120)
            #expect(result.stdout == "blocked before 200 MB: True\nhello\nfine\nclosed: True\n", "\(result.stderr)")
        }
    }
}
