import Foundation

/// Debian's pebble (the ACME test CA, package `pebble`) run for one test: its own API
/// certificate (generated here), its JSON configuration with loopback ports, `-dnsserver` at
/// the test's DNS server, and validation ports pointing at the listeners under test.
/// Missing pebble skips the test locally and fails it in CI (`.ci/run` installs it).
public final class PebbleServer: Sendable {
    public static let path = "/usr/bin/pebble"
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: path) }
    public static var requiredInCI: Bool { Python.requiredInCI }

    public let process: ChildProcess
    public let directory: TemporaryDirectory
    /// The ACME directory URL.
    public let directoryURL: String
    /// PEM of the certificate pebble's API presents: what the ACME client must trust (`acme.ca_file`).
    public let apiCertificateFile: String
    public let managementPort: Int

    /// Starts pebble. `httpPort` and `tlsPort` are where its validation authority connects for
    /// http-01 and tls-alpn-01; `validity` (seconds) the lifetime of the certificates it issues;
    /// `nonceReject` the percentage of good nonces it refuses as badNonce.
    public static func start(dnsServer: String, httpPort: Int = 5002, tlsPort: Int = 5001, validity: Int? = nil,
                             nonceReject: Int = 0) async throws -> PebbleServer {
        let directory = try TemporaryDirectory(prefix: "hato-pebble")
        let cert = directory.url.appendingPathComponent("api-cert.pem"), key = directory.url.appendingPathComponent("api-key.pem")
        try await makeAPICertificate(certificate: cert, key: key)
        var lastError = ""
        for _ in 0..<10 {
            // Ports below the ephemeral range (32768+), so no port-0 listener of another test
            // takes one between our pick and pebble's bind; a clash is retried.
            let api = Int.random(in: 20_000..<32_000), management = Int.random(in: 20_000..<32_000)
            guard api != management else { continue }
            var pebble: [String: Any] = [
                "listenAddress": "127.0.0.1:\(api)", "managementListenAddress": "127.0.0.1:\(management)",
                "certificate": cert.path, "privateKey": key.path, "httpPort": httpPort, "tlsPort": tlsPort,
                "ocspResponderURL": "", "externalAccountBindingRequired": false,
            ]
            if let validity { pebble["certificateValidityPeriod"] = validity }
            let config = directory.url.appendingPathComponent("pebble-config.json")
            try JSONSerialization.data(withJSONObject: ["pebble": pebble], options: [.prettyPrinted]).write(to: config)
            let process = try ChildProcess(
                executable: URL(fileURLWithPath: path), arguments: ["-config", config.path, "-dnsserver", dnsServer],
                environment: ["PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "\(nonceReject)", "PEBBLE_AUTHZREUSE": "0"])
            do {
                try await process.waitFor(timeout: .seconds(30), "pebble to listen") { out, err in
                    (out + err).contains("ACME directory available at") || (out + err).contains("address already in use")
                }
            } catch {
                lastError = "\(error)"
                process.signal(SIGKILL)
                _ = await process.exit(timeout: .seconds(10))
                continue
            }
            if (process.output + process.errorOutput).contains("address already in use") {
                lastError = process.errorOutput
                process.signal(SIGKILL)
                _ = await process.exit(timeout: .seconds(10))
                continue
            }
            return PebbleServer(process: process, directory: directory, directoryURL: "https://127.0.0.1:\(api)/dir",
                                apiCertificateFile: cert.path, managementPort: management)
        }
        throw ConformanceFailure("pebble did not start: \(lastError)")
    }

    private init(process: ChildProcess, directory: TemporaryDirectory, directoryURL: String, apiCertificateFile: String, managementPort: Int) {
        self.process = process
        self.directory = directory
        self.directoryURL = directoryURL
        self.apiCertificateFile = apiCertificateFile
        self.managementPort = managementPort
    }

    /// A self-signed certificate for localhost and 127.0.0.1 made by the openssl command line.
    /// `req -x509` marks it CA:TRUE, so it can be the trust anchor itself (BoringSSL does not
    /// accept a self-signed end-entity certificate as one).
    static func makeAPICertificate(certificate: URL, key: URL) async throws {
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/openssl"), arguments: [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-keyout", key.path, "-out", certificate.path, "-subj", "/CN=pebble API (test)",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        process.closeInput()
        let status = await process.exit(timeout: 60)
        try require(status == 0, "openssl req for pebble's API certificate: \(process.errorOutput)")
    }

    /// The root certificate that issued pebble's certificates, from its management API
    /// (`/roots/0`), written to a file for clients to verify against.
    public func rootCertificateFile() async throws -> String {
        let file = directory.url.appendingPathComponent("root-\(UUID().uuidString.prefix(8)).pem").path
        let result = try await Python.run("""
            import ssl, sys, urllib.request
            context = ssl.create_default_context(cafile=sys.argv[1])
            pem = urllib.request.urlopen(sys.argv[2], context=context, timeout=30).read()
            open(sys.argv[3], "wb").write(pem)
            """, arguments: [apiCertificateFile, "https://127.0.0.1:\(managementPort)/roots/0", file])
        try require(result.status == 0, "fetching pebble's root: \(result.stderr)")
        return file
    }

    /// What pebble logged, for failure messages.
    public var log: String { process.output + process.errorOutput }

    public func stop() async {
        process.signal(SIGTERM)
        _ = await process.exit(timeout: .seconds(10))
    }
}
