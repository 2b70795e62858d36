import Foundation
import HatoTesting
import Testing

/// SCRAM -PLUS with `tls-exporter` channel binding (RFC 5802 §6, RFC 9266) over STARTTLS on the
/// submission listener: OpenSSL's s_client computes the exporter, scramp runs SCRAM.
@Suite(.enabled(if: ScramAvailability.available || ScramAvailability.required, "scramp is not installed: pip install scramp"))
struct ScramPlusInteropTests {
    @Test func scramSHA256PlusOverStartTLS() async throws {
        try #require(ScramAvailability.available, "CI is set but scramp is not installed")
        let fixture = try await SMTPFixture.start(profile: .submission, loopbackIsSecure: false)
        let result = try await Python.run(SClientDialog.prelude + """
            port, pw = sys.argv[1], sys.argv[2]
            def session(version, exporter=None, mechanism="SCRAM-SHA-256-PLUS"):
                peer = SClient(port, ["-starttls", "smtp", version])
                peer.send("EHLO client.test")
                lines = []
                peer.reply(smtp_final, lines)
                auth = [l[4:] for l in lines if l[4:].startswith("AUTH ")]
                print(peer.version, auth[0] if auth else "no AUTH")
                if "-PLUS" in mechanism and mechanism not in (auth[0] if auth else ""):
                    peer.close(); return
                bound = None if exporter is None else exporter(peer.exporter)
                print(*scram_login(peer, mechanism, "alice@example.test", pw, "AUTH", smtp_final, "334 ", bound))
                peer.close()
            session("-tls1_3")
            session("-tls1_3", mechanism="SCRAM-SHA-1-PLUS")
            session("-tls1_3", exporter=lambda e: bytes(reversed(e)))
            session("-tls1_2")
            session("-tls1_2", mechanism="SCRAM-SHA-256")
            """, arguments: [fixture.port, SMTPFixture.password])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 9 else { Issue.record("\(result.stdout) \(result.stderr)"); return }
        let plus = "AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-256 SCRAM-SHA-1-PLUS SCRAM-SHA-1 PLAIN LOGIN"
        #expect(lines[0] == "TLSv1.3 \(plus)", "-PLUS offered on TLS 1.3: \(lines[0])")
        #expect(lines[1].hasPrefix("235 2.7.0") && lines[1].hasSuffix("True"), "bound login, server signature verified: \(lines[1])")
        #expect(lines[3].hasPrefix("235 2.7.0") && lines[3].hasSuffix("True"), "SCRAM-SHA-1-PLUS: \(lines[3])")
        #expect(lines[5].hasPrefix("535 5.7.8") && lines[5].contains("e=channel-bindings-dont-match"),
                "another channel's binding is refused: \(lines[5])")
        #expect(lines[6] == "TLSv1.2 AUTH SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN", "no binding on TLS 1.2, so no -PLUS: \(lines[6])")
        #expect(lines[8].hasPrefix("235 2.7.0"), "plain SCRAM still works on TLS 1.2: \(lines[8])")
        try await fixture.stop()
    }
}
