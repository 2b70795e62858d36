import Foundation
import HatoTesting
import Testing

/// `hato check tls` against a served Hato (implicit TLS and STARTTLS for SMTP, IMAP and POP3)
/// with a certificate from a test CA, and against openssl s_server still offering TLS 1.0/1.1.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") || Python.requiredInCI, "needs the openssl command"))
struct TLSCheckTests {
    let directory = try! TemporaryDirectory(prefix: "hato-check-tls")

    /// A CA and a leaf for mail.example.test it signed, valid 90 days; returns (ca, chain, key).
    func makeChain() async throws -> (ca: String, chain: String, key: String) {
        let dir = directory.path
        let script = """
            set -e; cd '\(dir)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 90 -subj '/CN=Hato Test CA'
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj '/CN=mail.example.test'
            printf 'subjectAltName=DNS:mail.example.test\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ext.cnf
            openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 90 -extfile ext.cnf
            cat leaf.pem ca.pem > chain.pem
            """
        let made = try await HatoBinary.runTool("/bin/sh", ["-c", script])
        try #require(made.status == 0, "\(made.stdout)")
        return ("\(dir)/ca.pem", "\(dir)/chain.pem", "\(dir)/leaf.key")
    }

    func checkTLS(_ config: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await HatoBinary.run(["check", "tls", "--config", config, "--timeout", "20"] + arguments)
    }

    @Test func everyListenerReportsChainNamesAndVersions() async throws {
        let pki = try await makeChain()
        let served = try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            submission = ["127.0.0.1:0"]
            submissions = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            imaps = ["127.0.0.1:0"]
            pop3 = ["127.0.0.1:0"]
            pop3s = ["127.0.0.1:0"]
            [tls]
            cert = "\(pki.chain)"
            key = "\(pki.key)"
            """)
        let kinds = ["smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s"]
        let targets = try kinds.map { "\($0)=127.0.0.1:\(try served.port($0))" }
        let result = try await checkTLS(served.config, ["--ca-file", pki.ca, "--json"] + targets)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["ok"] as? Bool == true)
        let listeners = try #require(object["listeners"] as? [[String: Any]])
        #expect(listeners.map { $0["kind"] as? String } == kinds)
        #expect(listeners.map { $0["starttls"] as? Bool } == [true, true, false, true, false, true, false])
        for listener in listeners {
            #expect(listener["negotiated"] as? String == "TLSv1.3", "\(listener)")
            let chain = try #require(listener["chain"] as? [[String: Any]])
            #expect(chain.map { $0["subject"] as? String } == ["CN=mail.example.test", "CN=Hato Test CA"])
            #expect(chain.first?["dns_names"] as? [String] == ["mail.example.test"])
            #expect(listener["names_match"] as? Bool == true && listener["trusted"] as? Bool == true)
            #expect(listener["versions"] as? [String: Bool] == ["TLSv1.0": false, "TLSv1.1": false, "TLSv1.2": true, "TLSv1.3": true])
        }

        // Without the test CA a client has nothing to trust it by: a problem, exit status 1.
        let untrusted = try await checkTLS(served.config, [targets[3]])
        #expect(untrusted.status == 1)
        #expect(untrusted.stdout.contains("imap 127.0.0.1:\(try served.port("imap")) (STARTTLS, name mail.example.test)"), "\(untrusted.stdout)")
        #expect(untrusted.stdout.contains("  PROBLEM     a client would not trust the certificate: "))
        #expect(untrusted.stdout.contains("  versions    TLSv1.3 accepted, TLSv1.2 accepted, TLSv1.1 refused, TLSv1.0 refused\n"))
        await served.stop()
    }

    /// The version probes really detect an old protocol: openssl s_server with TLS 1.0 and 1.1
    /// enabled (security level 0) is reported.
    @Test func oldProtocolVersionsAreReported() async throws {
        let pki = try await makeChain()
        let port = try #require(PrivilegeDropTests.freePort(in: 20000...32000))
        let server = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/openssl"), arguments: [
            "s_server", "-accept", "127.0.0.1:\(port)", "-cert", "\(directory.path)/leaf.pem", "-key", pki.key,
            "-cert_chain", pki.ca, "-cipher", "ALL:@SECLEVEL=0", "-quiet",
        ])
        try await server.waitFor("s_server to listen") { _, _ in PrivilegeDropTests.isListening(port) }
        let config = directory.url.appendingPathComponent("hato.toml").path
        try "hostname = \"mail.example.test\"\ndata_dir = \"data\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await checkTLS(config, ["--ca-file", pki.ca, "imaps=127.0.0.1:\(port)"])
        // SIGKILL: children of the test runner inherit its blocked signals, SIGTERM included.
        server.signal(SIGKILL)
        _ = await server.exit(timeout: 10)
        #expect(result.status == 1)
        #expect(result.stdout.contains("  trusted     yes\n"), "\(result.stdout)")
        #expect(result.stdout.contains("  PROBLEM     TLSv1.1 is accepted; it is deprecated (RFC 8996)\n"))
        #expect(result.stdout.contains("  PROBLEM     TLSv1.0 is accepted; it is deprecated (RFC 8996)\n"))
    }

    /// Nothing listening: a problem to report, not a crash.
    @Test func aListenerThatIsDownIsAProblem() async throws {
        let port = try #require(PrivilegeDropTests.freePort(in: 20000...32000))
        let config = directory.url.appendingPathComponent("hato.toml").path
        try "hostname = \"mail.example.test\"\ndata_dir = \"data\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await checkTLS(config, ["smtp=127.0.0.1:\(port)"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("  PROBLEM     no TLS 1.2 or 1.3 handshake: cannot connect to 127.0.0.1 port \(port)"), "\(result.stdout)")
        #expect(!result.stdout.contains("versions"), "no version probes without a connection")
    }
}
