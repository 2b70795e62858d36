import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import Testing

/// `hato serve` with `[dns] dnssec = "validate"` picks DANE for an MX host whose TLSA records are
/// DNSSEC-secure, and `delivery.dane = "off"` turns that off: the policy shows in `hato queue show`.
/// The zones are DNSClientTests' (signed with ldnsutils, served by unbound): mx.example has no MX
/// (secure NODATA, so it is its own implicit MX), a secure A 127.0.0.1 and a secure
/// `_25._tcp.mx.example TLSA 3 1 1` that no certificate matches.
@Suite(.serialized) struct DANEServeTests {
    static let zones = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("DNSClientTests/Fixtures/make-signed-zones.sh").path

    /// The queue's last reply for a message to bob@mx.example once `hato serve` has tried it.
    static func lastReply(dane: String) async throws -> String {
        var reply = ""
        try await SignedZoneServer.with(script: zones) { _, dns in
            let directory = try TemporaryDirectory(prefix: "hato-dane-serve")
            let store = try SQLiteMailStore(directory: directory.url.appendingPathComponent("data"))
            let id = try await store.enqueue(OutboundMessage(
                bytes: Array("From: a@example.test\r\nSubject: dane\r\n\r\nbody\r\n".utf8), mailFrom: try EmailAddress("a@example.test"),
                recipients: [QueuedRecipient(address: try EmailAddress("bob@mx.example"))]))
            try await store.close()
            let served = try await ServedHato.start("""
                [listen]
                smtp = ["127.0.0.1:0"]
                [dns]
                servers = ["127.0.0.1:\(dns.port)"]
                dnssec = "validate"
                trust_anchor_file = "\(dns.directory.path)/anchor.ds"
                [delivery]
                dane = "\(dane)"
                retry_initial = 3600

                """, directory: directory)
            defer { Task { await served.terminate() } }
            for _ in 0..<120 {
                let show = try await HatoBinary.run(["queue", "show", "\(id)", "--config", served.config])
                if let line = show.stdout.split(separator: "\n").first(where: { $0.contains("last reply:") }) {
                    reply = String(line)
                    return
                }
                try await Task.sleep(for: .milliseconds(250))
            }
            Issue.record("no delivery attempt within 30 s: \(served.process.output)")
        }
        return reply
    }

    @Test func secureTLSARecordsMakeTheHostDANEAndOffTurnsItOff() async throws {
        guard SignedZoneServer.toolsInstalled else {
            if Python.requiredInCI { Issue.record("unbound or ldnsutils missing in CI: .ci/run installs them") }
            return
        }
        // Port 25 on loopback: refused here, or a server whose certificate cannot match; either
        // way the attempt fails and its reply names the policy.
        let on = try await Self.lastReply(dane: "on")
        // The policy and why it applied (docs/transport-security.md "Which policy applied").
        #expect(on.contains("mx.example[127.0.0.1]:25 (DANE (1 usable TLSA records): DANE: MX, addresses and _25._tcp.mx.example TLSA "
                            + "DNSSEC-secure (RFC 7672 §2.2)): "), "\(on)")
        let off = try await Self.lastReply(dane: "off")
        #expect(off.contains("mx.example[127.0.0.1]:25: "), "\(off)")
        #expect(!off.contains("DANE"), "\(off)")
    }
}
