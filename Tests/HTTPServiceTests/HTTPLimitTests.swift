import Foundation
import HTTPService
import HatoTesting
import MetricsTestKit
import ServerRuntime
import Testing

/// What a misbehaving HTTP client gets: bounded headers, bodies, time and connections, each with
/// its status code, and the server keeps serving.
@Suite struct HTTPLimitTests {
    @Test func oversizedHeadersAndBodiesAreRefused() async throws {
        var limits = HTTPLimits()
        limits.maxHeaderSize = 2048
        limits.maxRequestBody = 1024
        let listener = try await TestListener.start(HTTPProtocolServer(configuration: HTTPFixture.configuration(limits: limits), role: .web))
        let result = try await Python.run("""
            import sys, socket
            port = int(sys.argv[1])
            def raw(data):
                s = socket.create_connection(("127.0.0.1", port), timeout=20); s.sendall(data)
                out = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk: break
                    out += chunk
                s.close(); return out.split(b"\\r\\n")[0].decode()
            print(raw(b"GET /healthz HTTP/1.1\\r\\nHost: a\\r\\nX-Big: " + b"a" * 4000 + b"\\r\\n\\r\\n"))
            body = b"<Autodiscover>" + b"x" * 5000
            print(raw(b"POST /autodiscover/autodiscover.xml HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body))
            print(raw(b"GET /healthz HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n"))
            """, arguments: [String(listener.port)])
        try await listener.stop()
        #expect(result.stdout == "HTTP/1.1 400 Bad Request\nHTTP/1.1 413 Payload Too Large\nHTTP/1.1 200 OK\n", "\(result.stderr)")
    }

    /// A body trickled slower than `request_timeout` allows gets 408; a client that never
    /// finishes its request head is closed after `idle_timeout`.
    @Test func slowClientsAreCutOff() async throws {
        var limits = HTTPLimits()
        // The idle timer would close a stalled body too; well above the body deadline so the
        // 408 comes first even on a loaded machine.
        limits.requestTimeout = .seconds(1)
        // (8 s once lost to a full-suite run that starved the listener: the connection was closed
        // idle before the body deadline had started.)
        limits.idleTimeout = .seconds(20)
        let listener = try await TestListener.start(HTTPProtocolServer(configuration: HTTPFixture.configuration(limits: limits), role: .web))
        let result = try await Python.run("""
            import sys, socket, time
            port = int(sys.argv[1])
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            s.sendall(b"POST /autodiscover/autodiscover.xml HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 100\\r\\n\\r\\n<Auto")
            start = time.monotonic(); out = b""
            while True:
                try: chunk = s.recv(4096)
                except ConnectionResetError: break
                if not chunk: break
                out += chunk
            print(out.split(b"\\r\\n")[0].decode())
            s = socket.create_connection(("127.0.0.1", port), timeout=60)
            s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: a\\r\\n")
            start = time.monotonic()
            print(repr(s.recv(4096)), time.monotonic() - start > 19)
            """, arguments: [String(listener.port)])
        try await listener.stop()
        #expect(result.stdout == "HTTP/1.1 408 Request Timeout\nb'' True\n", "\(result.stderr)")
    }

    @Test func connectionsPerAddressAreCapped() async throws {
        let metrics = TestMetrics()
        var configuration = HTTPFixture.configuration()
        configuration.metrics = metrics
        let listener = try await TestListener.start(HTTPProtocolServer(configuration: configuration, role: .web), name: "http", maxPerIP: 1,
                                                    metrics: ServerMetrics(factory: metrics))
        let result = try await Python.run("""
            import sys, socket, http.client
            port = int(sys.argv[1])
            held = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            held.request("GET", "/healthz"); r = held.getresponse(); print(r.status); r.read()
            second = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            second.request("GET", "/healthz"); r = second.getresponse(); print(r.status, r.read().decode().strip())
            held.close()
            """, arguments: [String(listener.port)])
        try await listener.stop()
        #expect(result.stdout == "200\n429 too many connections from your address\n", "\(result.stderr)")
        #expect(try metrics.expectCounter("hato_connections_total", [("listener", "http")]).totalValue == 1)
        #expect(try metrics.expectCounter("hato_connections_refused_total", [("listener", "http"), ("reason", "per_ip")]).totalValue == 1)
        let latency = try metrics.expectTimer("hato_http_request_duration_seconds", [("listener", "http"), ("route", "healthz"), ("code", "200")])
        #expect(latency.values.count == 1)
    }
}
