import Foundation
import HatoTesting
import Testing

/// Issue 20 §2 "found in DNS via SMIMEA" (RFC 8162) through the real binary: zones signed with
/// ldnsutils and served by unbound carry alice@example.com's certificate (DNSSEC-secure) and
/// bob@example.net's (an unsigned zone: insecure); `hato smime encrypt` with `[dns] dnssec =
/// "validate"` encrypts to alice's, which `openssl cms -decrypt` opens with her key, and refuses
/// bob, whose record nobody vouches for. `hato smime dns` prints the record to publish under the
/// name the RFC gives (checked against sha256sum, not Hato's own hash).
@Suite(.serialized, .enabled(if: OpenSSLAvailability.available || OpenSSLAvailability.required, "openssl is not installed"))
struct SMIMEAServeTests {
    static let zones = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/make-smimea-zones.sh").path

    @Test func secureSMIMEARecordsGiveTheCertificateAndInsecureOnesDoNot() async throws {
        guard SignedZoneServer.toolsInstalled else {
            if Python.requiredInCI { Issue.record("unbound or ldnsutils missing in CI: .ci/run installs them") }
            return
        }
        let pki = try await SMIMETestPKI.make()
        let directory = pki.directory.path
        try await SignedZoneServer.with(script: Self.zones, arguments: [directory]) { _, dns in
            let hato = try await ServedHato.start("""
                [listen]
                smtp = ["127.0.0.1:0"]
                [accounts]
                scram_iterations = 4096
                [dns]
                servers = ["127.0.0.1:\(dns.port)"]
                dnssec = "validate"
                trust_anchor_file = "\(dns.directory.path)/anchor.ds"
                [smime]
                trust = ["\(pki.rootCA)"]
                """, accounts: [("hana@example.test", "hana long pw")])
            defer { hato.process.signal(SIGKILL) }
            for to in ["alice@example.com", "bob@example.net"] {
                try "From: hana@example.test\r\nTo: \(to)\r\nSubject: minutes\r\n\r\nThe minutes are attached.\r\n"
                    .write(toFile: "\(directory)/to-\(to).eml", atomically: true, encoding: .utf8)
            }
            let alice = try await hato.cli("smime", "encrypt", "\(directory)/to-alice@example.com.eml", "--account", "hana@example.test")
            #expect(alice.status == 0 && alice.stdout.contains("application/pkcs7-mime"), "\(alice.stdout) \(alice.stderr)")
            try alice.stdout.write(toFile: "\(directory)/to-alice.p7m", atomically: true, encoding: .utf8)
            let opened = try await Python.run("""
                import subprocess, sys
                d = sys.argv[1]
                r = subprocess.run(["openssl", "cms", "-decrypt", "-in", d + "/to-alice.p7m", "-recip", d + "/alice.pem", "-inkey", d + "/alice.key"],
                                   capture_output=True)
                print(r.returncode, b"The minutes are attached." in r.stdout, r.stderr.decode().strip())
                """, arguments: [directory])
            #expect(opened.stdout == "0 True \n", "alice's key opens what was encrypted to her SMIMEA certificate: \(opened.stdout) \(opened.stderr)")

            let bob = try await hato.cli("smime", "encrypt", "\(directory)/to-bob@example.net.eml", "--account", "hana@example.test")
            #expect(bob.status != 0 && bob.stderr.contains("bob@example.net") && !bob.stdout.contains("pkcs7"),
                    "an insecure SMIMEA record is not believed: \(bob.stdout) \(bob.stderr)")

            // Publishing: hana's certificate under sha256("hana")[0:28]._smimecert.example.test.
            let imported = try await hato.cli("smime", "import", "hana@example.test", "--cert", "\(directory)/hana-chain.pem", "--key", "\(directory)/hana.key")
            #expect(imported.status == 0, "\(imported.stderr)")
            let published = try await hato.cli("smime", "dns", "example.test")
            let expected = try await Python.run("""
                import hashlib, subprocess, sys
                der = subprocess.run(["openssl", "x509", "-in", sys.argv[1] + "/hana.pem", "-outform", "DER"], capture_output=True).stdout
                print(hashlib.sha256(b"hana").hexdigest()[:56] + "._smimecert.example.test. 3600 IN SMIMEA 3 0 0 " + der.hex())
                """, arguments: [directory])
            let records = published.stdout.split(separator: "\n").filter { !$0.hasPrefix(";") }.map { $0.lowercased() }  // hex digits in either case (RFC 6698 §2.2)
            #expect(published.status == 0 && records == [expected.stdout.trimmingCharacters(in: .newlines).lowercased()],
                    "\(published.stdout) \(published.stderr) \(expected.stderr)")
        }
    }
}
