import DNSMessage
import Foundation
import HatoTesting
import Testing

/// `hato dkim ...` through the real binary: keygen prints records an operator pastes into the
/// zone (served here by the test DNS server), sign and verify use them, rotate switches keys.
@Suite struct DKIMCLITests {
    let directory = try! TemporaryDirectory(prefix: "hato-dkim-cli")

    var configPath: String { directory.url.appendingPathComponent("hato.toml").path }

    init() throws {
        try """
            hostname = "mail.example.test"
            data_dir = "data"
            [listen]
            imap = ["127.0.0.1:0"]
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Runs hato without blocking the cooperative pool.
    func hato(_ arguments: String...) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = try ChildProcess(executable: try HatoBinary.url, arguments: arguments + ["--config", configPath])
        process.closeInput()
        let status = await process.exit(timeout: 120)
        return (status, process.output, process.errorOutput)
    }

    /// The zone-file lines of keygen's output (comments start with ';').
    static func records(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { !$0.hasPrefix(";") }
    }

    @Test func keygenSignVerifyRotate() async throws {
        let first = try await hato("dkim", "keygen", "example.test", "--selector", "a")
        #expect(first.status == 0, "\(first.stderr)")
        let firstRecords = Self.records(first.stdout)
        #expect(firstRecords.count == 2)
        #expect(firstRecords[0].hasPrefix("a-rsa._domainkey.example.test. IN TXT ( \"v=DKIM1; k=rsa; p=MIIB"))
        #expect(firstRecords[1].hasPrefix("a-ed25519._domainkey.example.test. IN TXT ( \"v=DKIM1; k=ed25519; p="))
        #expect(first.stdout.contains("they are active"))
        let dns = try await TestDNSServer.start(zoneText: firstRecords.joined(separator: "\n"))

        let message = directory.url.appendingPathComponent("message.eml")
        try "From: Alice <alice@example.test>\nTo: bob@example.net\nSubject: cli\n\nbody text\n"
            .write(to: message, atomically: true, encoding: .utf8)
        let signed = try await hato("dkim", "sign", message.path, "--domain", "example.test", "--selector", "a-ed25519")
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(signed.stdout.hasPrefix("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.test;\r\n\ts=a-ed25519;"))
        #expect(signed.stdout.contains("\r\n\r\nbody text\r\n"), "LF in the file, CRLF out")
        let signedFile = directory.url.appendingPathComponent("signed.eml")
        try signed.stdout.write(to: signedFile, atomically: true, encoding: .utf8)

        // The base selector of a "both" keygen signs with both keys, RSA first.
        let both = try await hato("dkim", "sign", message.path, "--domain", "example.test", "--selector", "a")
        #expect(both.stdout.components(separatedBy: "DKIM-Signature:").count == 3)
        #expect(both.stdout.hasPrefix("DKIM-Signature: v=1; a=rsa-sha256;"))

        let verified = try await hato("dkim", "verify", signedFile.path, "--server", dns.address, "--json")
        #expect(verified.status == 0, "\(verified.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [[String: Any]])
        #expect(json.count == 1)
        #expect(json.first?["result"] as? String == "pass")
        #expect(json.first?["selector"] as? String == "a-ed25519")
        #expect(json.first?["key_bits"] as? Int == 256)
        // The unsigned original: no signature, exit status 1.
        let unsigned = try await hato("dkim", "verify", message.path, "--server", dns.address)
        #expect(unsigned.status == 1)
        #expect(unsigned.stdout.contains("no DKIM-Signature"))
        // Tampered: text output names the failure.
        try signed.stdout.replacingOccurrences(of: "body text", with: "other text").write(to: signedFile, atomically: true, encoding: .utf8)
        let tampered = try await hato("dkim", "verify", signedFile.path, "--server", dns.address)
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("dkim=fail header.d=example.test header.s=a-ed25519"))
        #expect(tampered.stdout.contains("reason: body hash did not verify"))

        // A second batch waits for rotate; rotate then switches.
        let second = try await hato("dkim", "keygen", "example.test", "--selector", "b", "--algorithm", "ed25519")
        #expect(second.stdout.contains("not active yet"))
        #expect(Self.records(second.stdout).first?.hasPrefix("b._domainkey.example.test.") == true)
        let before = try await hato("dkim", "list", "example.test")
        #expect(before.stdout.contains("b ") && before.stdout.contains("inactive"))
        #expect(!before.stdout.contains("PRIVATE KEY"))
        // rotate refuses while the new record is not in DNS...
        let early = try await hato("dkim", "rotate", "example.test", "--server", dns.address)
        #expect(early.status != 0)
        #expect(early.stderr.contains("not rotated, the new keys are not published yet: b._domainkey.example.test: no TXT record"))
        // ... and goes ahead once it is.
        dns.zone = try DNSZone(parsing: (firstRecords + Self.records(second.stdout)).joined(separator: "\n"))
        let rotated = try await hato("dkim", "rotate", "example.test", "--server", dns.address)
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(rotated.stdout.contains("active now: b"))
        #expect(rotated.stdout.contains("retired: a-rsa, a-ed25519") || rotated.stdout.contains("retired: a-ed25519, a-rsa"))
        let again = try await hato("dkim", "rotate", "example.test", "--skip-dns-check")
        #expect(again.status != 0)
        #expect(again.stderr.contains("no key newer than the active one"))
        let bad = try await hato("dkim", "keygen", "example.test", "--selector", "bad selector")
        #expect(bad.status != 0 && bad.stderr.contains("invalid selector"))
        try await dns.shutdown()
    }
}
