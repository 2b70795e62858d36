import DNSMessage
import Foundation
import HatoTesting
import Testing

/// Issue #10: the 550 bounce read back the way the sender would: `hato serve` queues alice's
/// message for a remote (aiosmtpd refusing the recipient with 550), and alice fetches the DSN from
/// her INBOX over IMAP with imaplib; Python's email package checks the RFC 3464 report.
@Suite struct BounceOverIMAPTests {
    @Test func aRefusedRecipientsDSNIsReadOverIMAP() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-bounce-imap")
        let peer = try await ScriptedPeer.start(.init(rcptReplies: ["bob@remote.test": "550 5.1.1 <bob@remote.test>: no such user here"]),
                                                directory: directory)
        let dns = try await TestDNSServer.start(zoneText: """
            remote.test. 300 IN MX 10 mx.remote.test.
            mx.remote.test. 300 IN A 127.0.0.1
            """)
        let config = try await TwoServersTests.configure(directory, name: "a", domain: "a.test", user: "alice@a.test", password: "alice long password", extra: """
            [dns]
            servers = ["\(dns.address)"]
            [listen]
            submissions = ["127.0.0.1:0"]
            imap = ["127.0.0.1:0"]
            [delivery]
            mx_port = \(try peer.port)
            """)
        let server = try await TwoServersTests.launch("a", config: config)

        let result = try await Python.run(TwoServersTests.clientHelpers + """
            import email.utils
            submissions, imap = int(sys.argv[1]), int(sys.argv[2])
            submit(submissions, "alice@a.test", ["bob@remote.test"], b"From: alice@a.test\\r\\nTo: bob@remote.test\\r\\nSubject: to a ghost\\r\\n\\r\\nare you there?\\r\\n")
            ids, m = first_message(imap, "alice@a.test", "alice long password")
            print(len(ids), m.get_content_type(), m.get_param("report-type"))
            print(email.utils.parseaddr(m["From"])[1], m["To"])
            parts = m.get_payload()
            print([p.get_content_type() for p in parts])
            r = parts[1].get_payload()[1]
            print(r["Final-Recipient"], "|", r["Action"], "|", r["Status"], "|", r["Diagnostic-Code"])
            original = parts[2].get_payload()
            original = original if isinstance(original, str) else original[0].as_string()
            print([l for l in original.splitlines() if l.startswith(("From:", "Subject:"))])
            """, arguments: ["\(try TwoServersTests.port(server, "submissions"))", "\(try TwoServersTests.port(server, "imap"))"], timeout: 120)
        #expect(result.stdout == """
            1 multipart/report delivery-status
            MAILER-DAEMON@mail.a.test <alice@a.test>
            ['text/plain', 'message/delivery-status', 'text/rfc822-headers']
            rfc822; bob@remote.test | failed | 5.1.1 | smtp; 550 5.1.1 <bob@remote.test>: no such user here
            ['From: alice@a.test', 'Subject: to a ghost']

            """, "\(result.stdout)\(result.stderr)\(server.errorOutput)")
        #expect(try peer.received.isEmpty)
        server.signal(SIGTERM)
        #expect(await server.exit() == 0)
        await peer.stop()
        try await dns.shutdown()
    }
}
