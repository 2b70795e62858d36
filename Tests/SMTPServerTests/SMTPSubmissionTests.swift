import Foundation
import HatoTesting
import MailCore
import MailStore
import Testing

/// The submission listeners (587 with STARTTLS, 465 with implicit TLS) through smtplib.
@Suite struct SMTPSubmissionTests {
    static let tlsContext = """
        import smtplib, ssl, sys, socket
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE

        """

    @Test func authRequiredAndOnlyAfterTLS() async throws {
        // loopbackIsSecure off: 127.0.0.1 is treated like any other client address.
        let fixture = try await SMTPFixture.start(profile: .submission, loopbackIsSecure: false)
        let result = try await Python.run(Self.tlsContext + """
            s = smtplib.SMTP("127.0.0.1", int(sys.argv[1])); s.ehlo()
            print("auth" in s.esmtp_features, "starttls" in s.esmtp_features)
            print(s.docmd("MAIL FROM:<alice@example.test>"))
            print(s.docmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABwYXNzd29yZA=="))
            print(s.starttls(context=ctx)); s.ehlo()
            print(s.esmtp_features.get("auth"), "starttls" in s.esmtp_features)
            try: s.login("alice@example.test", "wrong password")
            except smtplib.SMTPAuthenticationError as e: print(e.smtp_code, e.smtp_error)
            print(s.login("alice@example.test", sys.argv[2]))
            print(s.docmd("AUTH PLAIN"))
            s.quit()
            """, arguments: [fixture.port, SMTPFixture.password])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 8 else { Issue.record("\(result.stdout) \(result.stderr)"); return }
        #expect(lines[0] == "False True", "no AUTH before TLS on a non-loopback client")
        #expect(lines[1].hasPrefix("(530, b'5.7.0 Authentication required')"))
        #expect(lines[2].hasPrefix("(538, b'5.7.11"))
        #expect(lines[3].hasPrefix("(220, b'2.0.0"))
        #expect(lines[4].hasPrefix(" PLAIN LOGIN SCRAM") || lines[4].contains("PLAIN"), "AUTH after TLS: \(lines[4])")
        #expect(lines[4].hasSuffix("False"), "STARTTLS not offered twice")
        #expect(lines[5] == "535 b'5.7.8 Authentication credentials invalid'")
        #expect(lines[6].hasPrefix("(235, b'2.7.0"))
        #expect(lines[7].hasPrefix("(503, b'5.5.1"))
        try await fixture.stop()
    }

    @Test func senderPolicyPerAccountWidensWhatMaySend() async throws {
        let fixture = try await SMTPFixture.start(profile: .submission, implicitTLS: true)
        let script = Self.tlsContext + """
            s = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), context=ctx)
            s.login("alice@example.test", sys.argv[2])
            for sender in ["shop@example.test", "someone@elsewhere.test"]:
                message = f"From: {sender}\\r\\nSubject: as {sender}\\r\\n\\r\\nhi\\r\\n"
                try: s.sendmail(sender, ["bob@example.test"], message.encode()); print("sent", sender)
                except smtplib.SMTPSenderRefused as e: print(e.smtp_code, sender)
            s.quit()
            """
        func run() async throws -> String {
            try await Python.run(script, arguments: [fixture.port, SMTPFixture.password]).stdout
        }
        #expect(try await run() == "553 shop@example.test\n553 someone@elsewhere.test\n", "default: own addresses only")
        try await fixture.store.setSenderPolicy(fixture.alice.address, policy: .domain)
        #expect(try await run() == "sent shop@example.test\n553 someone@elsewhere.test\n")
        try await fixture.store.setSenderPolicy(fixture.alice.address, policy: .any)
        #expect(try await run() == "sent shop@example.test\nsent someone@elsewhere.test\n")
        #expect(try await fixture.inbox("bob@example.test").count == 3)
        try await fixture.stop()
    }

    @Test func submitsLocallyAndQueuesRemoteWithFixups() async throws {
        let fixture = try await SMTPFixture.start(profile: .submission, implicitTLS: true)
        let message = "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nBcc: hidden@elsewhere.test\r\nSubject: hi\r\n\r\nhello\r\n"
        let result = try await Python.run(Self.tlsContext + """
            s = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), context=ctx)
            print(s.login("alice@example.test", sys.argv[2])[0])
            print(s.sendmail("alice+lists@example.test", ["bob@example.test", "hidden@elsewhere.test"], sys.argv[3].encode(),
                             mail_options=["ENVID=abc123", "RET=HDRS"], rcpt_options=["NOTIFY=FAILURE,DELAY"]))
            try: s.sendmail("bob@example.test", ["bob@example.test"], sys.argv[3].encode())
            except smtplib.SMTPSenderRefused as e: print(e.smtp_code, e.smtp_error.decode())
            forged = sys.argv[3].replace("From: Alice <alice@example.test>", "From: Boss <ceo@example.test>")
            try: s.sendmail("alice@example.test", ["bob@example.test"], forged.encode())
            except smtplib.SMTPDataError as e: print(e.smtp_code, e.smtp_error.decode())
            s.quit()
            """, arguments: [fixture.port, SMTPFixture.password, message])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 4 else { Issue.record("\(result.stdout) \(result.stderr)"); return }
        #expect(lines[0] == "235")
        #expect(lines[1] == "{}")
        #expect(lines[2] == "553 5.7.1 Sender address <bob@example.test> does not belong to alice@example.test")
        #expect(lines[3] == "550 5.7.1 Header From <ceo@example.test> does not belong to alice@example.test")

        let bob = try await fixture.inbox("bob@example.test")
        #expect(bob.count == 1, "the forged message was refused")
        let stored = try #require(bob.first)
        #expect(stored.contains("with ESMTPSA id"), "\(stored)")
        #expect(stored.contains(/\(TLSv1\.3 with cipher TLS_[A-Z0-9_]+; authenticated as alice@example\.test\)/), "\(stored)")
        #expect(stored.contains("\r\nDate: ") && stored.contains("\r\nMessage-ID: <"), "RFC 6409 §8 fix-ups")
        #expect(!stored.contains("Bcc:") && !stored.contains("hidden@elsewhere.test"), "Bcc never shown")
        let queued = try await fixture.store.queuedMessages()
        #expect(queued.count == 1)
        #expect(queued.first?.recipients.map(\.address.description) == ["hidden@elsewhere.test"])
        #expect(queued.first?.recipients.first?.dsn.notify == [.failure, .delay])
        #expect(queued.first?.envelopeID == "abc123" && queued.first?.returnContent == "HDRS")
        #expect(queued.first?.mailFrom?.description == "alice+lists@example.test")
        try await fixture.stop()
    }

    @Test func startTLSInjectionIsDropped() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx)
        let result = try await Python.run(rawDialog + """
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            say(b"EHLO client.test\\r\\n"); hear()
            say(b"STARTTLS\\r\\nMAIL FROM:<injected@remote.test>\\r\\n"); print(hear())
            t = ctx.wrap_socket(s); f = t.makefile("rb"); s = t
            say(b"MAIL FROM:<after@remote.test>\\r\\n"); print(hear())
            say(b"EHLO client.test\\r\\n"); print(hear())
            say(b"MAIL FROM:<after@remote.test>\\r\\n"); print(hear())
            say(b"QUIT\\r\\n"); print(hear())
            """, arguments: [fixture.port])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 6 else { Issue.record("\(result.stdout) \(result.stderr)"); return }
        #expect(lines[1].hasPrefix("220 2.0.0"))
        #expect(lines[2].hasPrefix("503 5.5.1"), "the session was reset by STARTTLS and the injected MAIL dropped: \(lines[2])")
        #expect(lines[3].contains("AUTH"), "AUTH offered on port 25 after STARTTLS: \(lines[3])")
        #expect(!lines[3].contains("STARTTLS"))
        #expect(lines[4].hasPrefix("250 2.1.0"))
        try await fixture.stop()
    }

    @Test func manyConcurrentConnectionsAndPerIPLimit() async throws {
        let fixture = try await SMTPFixture.start(profile: .mx, maxPerIP: 1000)
        let result = try await Python.run("""
            import socket, sys
            socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(1000)]
            greeted = sum(1 for s in socks if s.makefile("rb").readline().startswith(b"220 "))
            extra = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
            print(greeted, extra.makefile("rb").readline().decode().strip())
            for s in socks: s.sendall(b"QUIT\\r\\n")
            """, arguments: [fixture.port], timeout: 120)
        #expect(result.stdout == "1000 421 4.7.0 mail.example.test too many connections from your address\n", "\(result.stderr)")
        try await fixture.stop()
    }
}
