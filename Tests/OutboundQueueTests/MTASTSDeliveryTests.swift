import Foundation
import HatoTesting
import Logging
import NIOSSL
import OutboundQueue
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// MTA-STS (RFC 8461) on the sending side: the `_mta-sts` TXT record from the signed test zone,
/// the policy from a Python HTTPS server whose certificate comes from the test CA (trusted by the
/// fetcher and the SMTP client only), delivery to aiosmtpd with STARTTLS.
@Suite(.serialized) struct MTASTSDeliveryTests {
    /// Serves the file `policy.txt` in its directory, re-read at every request, as text/plain.
    static let server = #"""
    import http.server, os, ssl, sys
    directory, cert, key = sys.argv[1:4]
    class Policy(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/.well-known/mta-sts.txt":
                self.send_error(404); return
            body = open(os.path.join(directory, "policy.txt"), "rb").read()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *args): pass
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Policy)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    print("PORT", httpd.server_address[1], flush=True)
    httpd.serve_forever()
    """#

    /// The client side trusting only the test CA.
    static func testCA(_ world: DANEWorld) throws -> TLSConfiguration {
        var trust = TLSConfiguration.makeClientConfiguration()
        trust.trustRoots = .file(world.certificates.path + "/ca.pem")
        return trust
    }

    /// The DANE world plus the policy server, and a policy cache that fetches from it.
    static func withPolicyServer(_ body: (DANEWorld, QueueFixture, MTASTSPolicyCache) async throws -> Void) async throws {
        guard DANEWorld.available() else { return }
        let fixture = try await QueueFixture()
        try await DANEWorld.with(fixture) { world in
            let (https, cache) = try await policyServer(world)
            defer { https.signal(SIGTERM) }
            try await body(world, fixture, cache)
        }
    }

    /// The policy server and its port.
    static func startPolicyServer(_ world: DANEWorld) async throws -> (ChildProcess, Int) {
        let pki = world.certificates.path
        let https = try Python.start(server, arguments: [pki, pki + "/https.pem", pki + "/https.key"])
        try await https.waitFor(timeout: .seconds(30), "the policy server") { out, _ in out.firstMatch(of: /PORT [0-9]+\n/) != nil }
        let port = try #require(https.outputLines.first { $0.hasPrefix("PORT ") }.flatMap { Int($0.dropFirst(5)) })
        return (https, port)
    }

    static func policyServer(_ world: DANEWorld) async throws -> (ChildProcess, MTASTSPolicyCache) {
        let (https, port) = try await startPolicyServer(world)
        var logger = Logger(label: "test.mta-sts")
        logger.logLevel = .critical
        let fetcher = HTTPSPolicyFetcher(tlsConfiguration: try testCA(world), timeout: .seconds(20), port: port, testAddress: "127.0.0.1")
        return (https, MTASTSPolicyCache(resolver: world.resolver, fetcher: fetcher, logger: logger))
    }

    @Test func enforcedPolicyDeliversToListedMXAndDefersTheRest() async throws {
        try await Self.withPolicyServer { world, fixture, cache in
            let pki = world.certificates.path
            let trust = try Self.testCA(world)
            let runner = try world.runner(fixture, port: try world.tlsPeer.port, mtaSTS: cache, mxTrust: trust)
            func attempt(_ recipient: String, policy: String) async throws -> String? {
                try Data(policy.utf8).write(to: URL(fileURLWithPath: pki + "/policy.txt"))
                let id = try await fixture.enqueue("to \(recipient)", to: [recipient])
                await runner.deliverDue()
                return try await fixture.store.queuedMessage(id)?.recipients.first?.lastReply
            }
            // Listed MX, certificate valid for mx.sts.example under the test CA: delivered over TLS.
            #expect(try await attempt("bob@sts.example", policy: "version: STSv1\r\nmode: enforce\r\nmx: *.sts.example\r\nmax_age: 86400\r\n") == nil)
            #expect(try world.tlsPeer.received.map(\.tls) == [true])
            // RFC 8461 §4.1: an MX the enforced policy does not list is never used.
            let reply = try #require(try await attempt("bob@stsbad.example", policy: "version: STSv1\nmode: enforce\nmx: mail.elsewhere.example\nmax_age: 86400\n"))
            #expect(reply.hasPrefix("451 4.7.5") && reply.contains("MTA-STS") && reply.contains("mx.stsbad.example"), "\(reply)")
            // Testing mode (§5.2): the same mismatch is only logged.
            #expect(try await attempt("bob@ststest.example", policy: "version: STSv1\nmode: testing\nmx: mail.elsewhere.example\nmax_age: 86400\n") == nil)
            #expect(try world.tlsPeer.received.map(\.to) == [["bob@sts.example"], ["bob@ststest.example"]])
        }
    }

    @Test func enforcedPolicyRefusesACertificateTheWebPKIDoesNotTrust() async throws {
        try await Self.withPolicyServer { world, fixture, cache in
            let pki = world.certificates.path
            try Data("version: STSv1\nmode: enforce\nmx: mx.sts.example\nmax_age: 600\n".utf8).write(to: URL(fileURLWithPath: pki + "/policy.txt"))
            // The SMTP client trusts only the system roots, which never signed the test certificate.
            let runner = try world.runner(fixture, port: try world.tlsPeer.port, mtaSTS: cache)
            let id = try await fixture.enqueue("untrusted", to: ["bob@sts.example"])
            await runner.deliverDue()
            let reply = try #require(try await fixture.store.queuedMessage(id)?.recipients.first?.lastReply)
            #expect(reply.hasPrefix("451 4.7.0") && reply.contains("MTA-STS"), "\(reply)")
            #expect(try world.tlsPeer.received.isEmpty)
        }
    }
}
