import DNSMessage
import Foundation
import HatoTesting
import Testing

/// `hato serve` with `[acme]` against Debian's pebble: the certificate comes by itself through
/// tls-alpn-01 answered on Hato's own implicit-TLS listener, every TLS listener serves it
/// (verified against pebble's root by Python's ssl), it is renewed at two thirds of its
/// lifetime with the same key and without dropping an open IMAP session, and a failed
/// validation is retried with backoff until it succeeds. Missing pebble skips locally and
/// fails in CI.
@Suite(.enabled(if: PebbleServer.available || PebbleServer.requiredInCI))
struct ACMEServeTests {
    static let name = "mail.example.test"

    /// pebble validates on one fixed port (tls-alpn-01: Hato's imaps listener; http-01: its
    /// HTTP listener), so that listener gets a port chosen here (below the ephemeral range),
    /// pebble is told it, and a clash is retried.
    func start(dns: TestDNSServer, validity: Int, retryInitial: Int = 1, challenge: String = "tls-alpn-01") async throws -> (PebbleServer, ServedHato) {
        try #require(PebbleServer.available, "pebble missing: .ci/run installs Debian's pebble")
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = Int.random(in: 20_000..<32_000)
            let http01 = challenge == "http-01"
            let pebble = try await PebbleServer.start(dnsServer: dns.address, httpPort: http01 ? port : 5002,
                                                      tlsPort: http01 ? 5001 : port, validity: validity)
            do {
                let hato = try await ServedHato.start("""
                    [listen]
                    imaps = ["127.0.0.1:\(http01 ? 0 : port)"]
                    imap = ["127.0.0.1:0"]
                    submissions = ["127.0.0.1:0"]
                    pop3s = ["127.0.0.1:0"]
                    http = ["127.0.0.1:\(http01 ? port : 0)"]
                    https = ["127.0.0.1:0"]
                    [acme]
                    email = "postmaster@example.test"
                    directory = "\(pebble.directoryURL)"
                    ca_file = "\(pebble.apiCertificateFile)"
                    challenge = "\(challenge)"
                    retry_initial = \(retryInitial)
                    retry_max_interval = 4
                    """, accounts: [("alice@example.test", "long enough pw")])
                return (pebble, hato)
            } catch {
                lastError = error
                await pebble.stop()
            }
        }
        throw lastError!
    }

    func status(_ hato: ServedHato) async throws -> String {
        let result = try await HatoBinary.run(["acme", "status", "--config", hato.config])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    /// `openssl x509` on a PEM file: serial and the public key (what TLSA 3 1 1 hashes).
    func describe(_ pem: String) async throws -> (serial: String, publicKey: String) {
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/openssl"), arguments: ["x509", "-noout", "-serial", "-pubkey", "-in", pem])
        process.closeInput()
        try #require(await process.exit(timeout: 60) == 0, "\(process.errorOutput)")
        let lines = process.outputLines
        return (lines.first ?? "", lines.dropFirst().joined(separator: "\n"))
    }

    @Test func obtainsServesEverywhereAndRenewsWithoutDroppingSessions() async throws {
        let dns = try await TestDNSServer.start(zoneText: "\(Self.name). 60 IN A 127.0.0.1\n", group: TestDNSServer.isolatedGroup)
        let (pebble, hato) = try await start(dns: dns, validity: 24)
        try await hato.process.waitFor(timeout: .seconds(90), "the first certificate") { _, err in err.contains("ACME certificate installed") }
        let root = try await pebble.rootCertificateFile()
        let directory = hato.directory.url.path
        let client = try Python.start("""
            import socket, ssl, sys, time
            root, name, imaps, imap, submissions, pop3s, out = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7]), sys.argv[7]
            ctx = ssl.create_default_context(cafile=root)   # verifies the chain and the name
            def tls(port):
                return ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20), server_hostname=name)
            def line(s):
                data = b""
                while not data.endswith(b"\\n"): data += s.recv(1)
                return data.decode().strip()
            def save(der, path): open(path, "w").write(ssl.DER_cert_to_PEM_cert(der))
            for label, port in (("imaps", imaps), ("submissions", submissions), ("pop3s", pop3s)):
                s = tls(port); print(label, "verified:", line(s)[:4]); s.close()
            plain = socket.create_connection(("127.0.0.1", imap), timeout=20); line(plain)
            plain.sendall(b"s1 STARTTLS\\r\\n"); line(plain)
            upgraded = ctx.wrap_socket(plain, server_hostname=name); upgraded.sendall(b"s2 NOOP\\r\\n")
            print("imap starttls verified:", line(upgraded)[:5]); upgraded.close()
            # An IMAP session opened with the first certificate, kept across the renewal.
            a = tls(imaps); line(a)
            a.sendall(b"a1 LOGIN alice@example.test \\"long enough pw\\"\\r\\n")
            while not (l := line(a)).startswith("a1 "): pass
            print("login:", l[:5])
            first = a.getpeercert(True); save(first, out + "/first.pem")
            deadline = time.time() + 90
            while time.time() < deadline:
                s = tls(imaps); der = s.getpeercert(True); s.close()
                if der != first: break
                time.sleep(1)
            save(der, out + "/second.pem")
            print("renewed:", der != first)
            a.sendall(b"a2 NOOP\\r\\n")
            while not (l := line(a)).startswith("a2 "): pass
            print("old session after renewal:", l)
            a.sendall(b"a3 LOGOUT\\r\\n"); a.close()
            for label, port in (("submissions", submissions), ("pop3s", pop3s)):
                s = tls(port); print(label, "renewed:", s.getpeercert(True) == der); s.close()
            """, arguments: [root, Self.name, try hato.port("imaps"), try hato.port("imap"), try hato.port("submissions"),
                             try hato.port("pop3s"), directory])
        let exit = await client.exit(timeout: 150)
        #expect(exit == 0, "\(client.output)\n\(client.errorOutput)\n\(hato.process.errorOutput.suffix(4000))")
        #expect(client.outputLines == [
            "imaps verified: * OK", "submissions verified: 220 ", "pop3s verified: +OK ",
            "imap starttls verified: s2 OK",
            "login: a1 OK", "renewed: True", "old session after renewal: a2 OK NOOP completed",
            "submissions renewed: True", "pop3s renewed: True",
        ], "\(client.output)\n\(client.errorOutput)")
        let first = try await describe(directory + "/first.pem"), second = try await describe(directory + "/second.pem")
        #expect(first.serial != second.serial)
        #expect(first.publicKey == second.publicKey && !first.publicKey.isEmpty, "rotate_key = false keeps the key (TLSA 3 1 1)")

        let report = try await status(hato)
        #expect(report.contains("certificate: \(Self.name)\n"), "\(report)")
        #expect(report.contains("issuer:       CN=Pebble Intermediate CA"), "\(report)")
        #expect(report.contains("next renewal: "), "\(report)")
        #expect(!report.contains("last error"), "\(report)")
        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/data/acme/account-key.pem")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        await hato.stop()
        await pebble.stop()
        try await dns.shutdown()
    }

    /// http-01 (behind a proxy, the usual choice) through Hato's own HTTP listener; the
    /// certificate is then served on the HTTPS listener too.
    @Test func obtainsWithHTTP01ThroughTheHTTPListener() async throws {
        let dns = try await TestDNSServer.start(zoneText: "\(Self.name). 60 IN A 127.0.0.1\n", group: TestDNSServer.isolatedGroup)
        let (pebble, hato) = try await start(dns: dns, validity: 3600, challenge: "http-01")
        try await hato.process.waitFor(timeout: .seconds(90), "the certificate") { _, err in err.contains("ACME certificate installed") }
        #expect(hato.process.errorOutput.contains("type=http-01"), "\(hato.process.errorOutput.suffix(3000))")
        let root = try await pebble.rootCertificateFile()
        let client = try await Python.run("""
            import socket, ssl, sys, urllib.request
            root, name, https, imaps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
            ctx = ssl.create_default_context(cafile=root)
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", https), timeout=20), server_hostname=name)
            s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: " + name.encode() + b"\\r\\nConnection: close\\r\\n\\r\\n")
            print("https:", s.recv(100).decode().split("\\r\\n")[0]); s.close()
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", imaps), timeout=20), server_hostname=name)
            print("imaps:", s.recv(100).decode()[:4]); s.close()
            """, arguments: [root, Self.name, try hato.port("https"), try hato.port("imaps")])
        #expect(client.stdout == "https: HTTP/1.1 200 OK\nimaps: * OK\n", "\(client.stdout) \(client.stderr)")
        await hato.stop()
        await pebble.stop()
        try await dns.shutdown()
    }

    @Test func aFailedValidationIsRetriedWithBackoffUntilItSucceeds() async throws {
        // The name points where nothing listens: validation fails until the zone is fixed.
        let dns = try await TestDNSServer.start(zoneText: "\(Self.name). 60 IN A 127.0.0.2\n", group: TestDNSServer.isolatedGroup)
        let (pebble, hato) = try await start(dns: dns, validity: 3600)
        try await hato.process.waitFor(timeout: .seconds(90), "two failed attempts") { _, err in
            err.components(separatedBy: "ACME certificate request failed").count >= 3
        }
        let failing = try await status(hato)
        #expect(failing.contains("not issued yet"), "\(failing)")
        #expect(failing.contains("last error:   tls-alpn-01 validation of \(Self.name) failed"), "\(failing)")
        #expect(failing.contains("127.0.0.2"), "\(failing)")
        // Backoff doubles from retry_initial (1 s) to retry_max_interval (4 s).
        let log = hato.process.errorOutput
        #expect(log.contains("failures=1") && log.contains("retry_in=1.0 seconds"), "\(log.suffix(3000))")
        #expect(log.contains("failures=2") && log.contains("retry_in=2.0 seconds"), "\(log.suffix(3000))")

        dns.zone = try DNSZone(parsing: "\(Self.name). 60 IN A 127.0.0.1\n", origin: .root)
        try await hato.process.waitFor(timeout: .seconds(90), "the certificate") { _, err in err.contains("ACME certificate installed") }
        let recovered = try await status(hato)
        #expect(recovered.contains("issuer:       CN=Pebble Intermediate CA"), "\(recovered)")
        #expect(!recovered.contains("last error"), "\(recovered)")
        let json = try await HatoBinary.run(["acme", "status", "--json", "--config", hato.config])
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let certificates = try #require(document?["certificates"] as? [[String: Any]], "\(json.stdout)")
        #expect(certificates.count == 1)
        #expect(certificates.first?["names"] as? [String] == [Self.name])
        #expect(certificates.first?["failures"] as? Int == 0 && certificates.first?["lastError"] == nil)
        #expect(certificates.first?["notAfter"] is String && certificates.first?["nextRenewal"] is String, "\(json.stdout)")
        await hato.stop()
        await pebble.stop()
        try await dns.shutdown()
    }
}
