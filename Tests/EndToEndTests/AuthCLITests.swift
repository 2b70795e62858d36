import Foundation
import HatoTesting
import Testing

/// `hato auth check` through the real binary, with keys from `hato dkim keygen` published by the
/// test DNS server and a message signed by `hato dkim sign`.
@Suite struct AuthCLITests {
    let directory = try! TemporaryDirectory(prefix: "hato-auth-cli")

    var configPath: String { directory.url.appendingPathComponent("hato.toml").path }

    init() throws {
        try """
            hostname = "mx.receiver.test"
            data_dir = "data"
            [listen]
            imap = ["127.0.0.1:0"]
            [dmarc]
            reject = "quarantine"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func hato(_ arguments: String...) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = try ChildProcess(executable: try HatoBinary.url, arguments: arguments + ["--config", configPath])
        process.closeInput()
        let status = await process.exit(timeout: 120)
        return (status, process.output, process.errorOutput)
    }

    @Test func signedMessagePassesAndSpoofIsQuarantinedByConfig() async throws {
        let keygen = try await hato("dkim", "keygen", "example.test", "--selector", "s", "--algorithm", "ed25519")
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let records = keygen.stdout.split(separator: "\n").map(String.init).filter { !$0.hasPrefix(";") }
        let zone = records.joined(separator: "\n") + """

            _dmarc.example.test. TXT "v=DMARC1; p=reject"
            example.test. TXT "v=spf1 ip4:192.0.2.1 -all"
            """
        let dns = try await TestDNSServer.start(zoneText: zone)
        let message = directory.url.appendingPathComponent("message.eml")
        try "From: Alice <alice@example.test>\nTo: bob@example.net\nSubject: cli\n\nbody text\n".write(to: message, atomically: true, encoding: .utf8)
        let signed = try await hato("dkim", "sign", message.path, "--domain", "example.test", "--selector", "s")
        #expect(signed.status == 0, "\(signed.stderr)")
        let signedFile = directory.url.appendingPathComponent("signed.eml")
        try signed.stdout.write(to: signedFile, atomically: true, encoding: .utf8)

        let pass = try await hato("auth", "check", signedFile.path, "--ip", "203.0.113.5", "--mail-from", "bounce@other.test",
                                  "--helo", "out.other.test", "--server", dns.address, "--json")
        #expect(pass.status == 0, "\(pass.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(pass.stdout.utf8)) as? [String: Any])
        let dmarc = try #require(json["dmarc"] as? [String: Any])
        #expect(dmarc["result"] as? String == "pass")
        #expect((json["dkim"] as? [[String: Any]])?.first?["result"] as? String == "pass")
        #expect((json["disposition"] as? [String: Any])?["action"] as? String == "none")
        let header = try #require(json["authentication_results"] as? String)
        #expect(header.hasPrefix("Authentication-Results: mx.receiver.test;\n\tspf=none smtp.mailfrom=bounce@other.test;"), "\(header)")
        #expect(header.contains("dkim=pass header.d=example.test header.s=s header.a=ed25519-sha256"))
        #expect(header.contains("dmarc=pass (p=reject dis=none) header.from=example.test policy.dmarc=none"))

        // The unsigned original from an address SPF refuses: DMARC fails, p=reject, and the
        // config's `reject = "quarantine"` softens it.
        let spoof = try await hato("auth", "check", message.path, "--ip", "203.0.113.5", "--mail-from", "alice@example.test",
                                   "--helo", "out.other.test", "--server", dns.address)
        #expect(spoof.status == 0, "\(spoof.stderr)")
        #expect(spoof.stdout.contains("spf=fail smtp.mailfrom=alice@example.test"), "\(spoof.stdout)")
        #expect(spoof.stdout.contains("dkim=none"))
        #expect(spoof.stdout.contains("dmarc=fail (p=reject dis=quarantine override=local_policy) header.from=example.test policy.dmarc=reject"))
        #expect(spoof.stdout.hasSuffix("disposition: quarantine (override: local_policy)\n"))
        try await dns.shutdown()
    }
}
