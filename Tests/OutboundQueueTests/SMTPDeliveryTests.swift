import DNSMessage
import Foundation
import HatoTesting
import Logging
import MailCore
import MailStore
import NIOSSL
import OutboundQueue
import SMTPClient
import Testing

/// The real `SMTPClient` against aiosmtpd (PyPI) playing the remote server, over loopback.
@Suite(.serialized) struct SMTPDeliveryTests {
    static func zone(_ port: Int) -> String {
        """
        remote.test. 300 IN MX 10 mx.remote.test.
        mx.remote.test. 300 IN A 127.0.0.1
        relay.test. 300 IN A 127.0.0.1
        """
    }

    static func runner(_ fixture: QueueFixture, port: Int, relay: (SMTPClientConfiguration, OutboundConfiguration.Relay)? = nil) throws -> QueueRunner {
        var configuration = OutboundConfiguration(hostname: QueueFixture.hostname, mxPort: port)
        configuration.relay = relay?.1
        var logger = Logger(label: "test.smtp-client")
        logger.logLevel = .critical
        var mx = SMTPClientConfiguration(heloName: QueueFixture.hostname, tlsMode: .opportunistic)
        mx.commandTimeout = .seconds(30)
        let transport = SMTPDeliveryTransport(mx: mx, relay: relay?.0, logger: logger)
        return try fixture.runner(transport, configuration: configuration, resolver: try StaticResolver(zoneText: zone(port)))
    }

    /// Runs attempts until the queue is empty or `rounds` passes, moving the clock past each back-off.
    static func deliver(_ runner: QueueRunner, _ fixture: QueueFixture, rounds: Int = 6) async throws {
        for _ in 0..<rounds {
            await runner.deliverDue()
            if try await fixture.store.queuedMessages().isEmpty { return }
            fixture.clock.advance(5 * 86400 / 8)
        }
    }

    @Test func temporaryRepliesAreRetriedUntilAccepted() async throws {
        let fixture = try await QueueFixture()
        let peer = try await ScriptedPeer.start(.init(dataReplies: ["421 4.3.2 closing", "450 4.2.1 busy", "451 4.3.0 later", "250 2.0.0 OK"]),
                                                directory: fixture.directory)
        let id = try await fixture.enqueue("patience", to: ["bob@remote.test"])
        let runner = try Self.runner(fixture, port: try peer.port)
        var replies: [String] = []
        for _ in 0..<4 {
            await runner.deliverDue()
            if let recipient = try await fixture.store.queuedMessage(id)?.recipients.first { replies.append(recipient.lastReply ?? "") }
            fixture.clock.advance(86400)
        }
        await peer.stop()
        #expect(replies.count == 3 && replies[0].hasPrefix("421 4.3.2") && replies[1].hasPrefix("450 4.2.1") && replies[2].hasPrefix("451 4.3.0"),
                "\(replies)")
        #expect(try await fixture.store.queuedMessage(id) == nil)
        let received = try peer.received
        #expect(received.count == 1 && received.first?.to == ["bob@remote.test"] && received.first?.from == "alice@example.test")
        #expect(try await fixture.inbox().isEmpty)
    }

    @Test func aRefusedRecipientGetsADSNThatPythonParses() async throws {
        let fixture = try await QueueFixture()
        let peer = try await ScriptedPeer.start(.init(rcptReplies: ["bob@remote.test": "550 5.1.1 no such user"]), directory: fixture.directory)
        try await fixture.enqueue("to a ghost", to: ["bob@remote.test", "carol@remote.test"], envid: "abc")
        try await Self.deliver(try Self.runner(fixture, port: try peer.port), fixture)
        await peer.stop()
        #expect(try peer.received.map(\.to) == [["carol@remote.test"]])
        let dsn = try #require(try await fixture.inbox().first)
        let file = fixture.directory.url.appendingPathComponent("dsn.eml")
        try Data(dsn.utf8).write(to: file)
        let parsed = try await Python.run("""
            import email, sys
            from email import policy
            m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.compat32)
            print(m.get_content_type(), m.get_param("report-type"), m["From"], m["Return-Path"])
            parts = m.get_payload()
            print(len(parts), [p.get_content_type() for p in parts])
            status = parts[1].get_payload()
            print(status[0]["Reporting-MTA"], status[0]["Original-Envelope-Id"])
            r = status[1]
            print(r["Final-Recipient"], "|", r["Action"], "|", r["Status"], "|", r["Remote-MTA"], "|", r["Diagnostic-Code"])
            print(parts[2].get_payload()[:60].splitlines()[0] if isinstance(parts[2].get_payload(), str) else parts[2].get_payload()[0]["From"])
            """, arguments: [file.path])
        #expect(parsed.stdout == """
            multipart/report delivery-status Mail Delivery System <MAILER-DAEMON@mail.example.test> <>
            3 ['text/plain', 'message/delivery-status', 'text/rfc822-headers']
            dns; mail.example.test abc
            rfc822; bob@remote.test | failed | 5.1.1 | dns; mx.remote.test | smtp; 550 5.1.1 no such user
            From: alice@example.test

            """, "\(parsed.stdout)\(parsed.stderr)")
    }

    /// aiosmtpd announces no DSN: a NOTIFY=SUCCESS sender gets a "relayed" report (RFC 3461
    /// §5.2.2), and the peer never sees the DSN parameters (§5.2.2 (a)).
    @Test func successToAPeerWithoutDSNIsReportedAsRelayed() async throws {
        let fixture = try await QueueFixture()
        let peer = try await ScriptedPeer.start(.init(), directory: fixture.directory)
        try await fixture.enqueue("receipt please", to: ["bob@remote.test"], notify: .success, envid: "r1")
        try await Self.deliver(try Self.runner(fixture, port: try peer.port), fixture)
        await peer.stop()
        let received = try peer.received
        #expect(received.map(\.to) == [["bob@remote.test"]])
        #expect(received.first?.mail_options.contains { $0.uppercased().hasPrefix("ENVID") } == false)
        let dsn = try #require(try await fixture.inbox().first)
        #expect(dsn.contains("Action: relayed\r\nStatus: 2.0.0\r\nRemote-MTA: dns; mx.remote.test\r\n"), "\(dsn)")
    }

    @Test func aConnectionDroppedDuringDataIsRetriedAndDeliveredOnce() async throws {
        let fixture = try await QueueFixture()
        let peer = try await ScriptedPeer.start(.init(dataReplies: ["drop", "250 2.0.0 OK"]), directory: fixture.directory)
        let id = try await fixture.enqueue("dropped", to: ["bob@remote.test"])
        let runner = try Self.runner(fixture, port: try peer.port)
        await runner.deliverDue()
        let deferred = try #require(try await fixture.store.queuedMessage(id)?.recipients.first)
        #expect(deferred.state == .deferred, "\(deferred)")
        try await Self.deliver(runner, fixture)
        await peer.stop()
        #expect(try await fixture.store.queuedMessages().isEmpty)
        #expect(try peer.received.count == 1, "accepted once, not duplicated")
    }

    @Test func eightBitMailToAPeerWithout8BITMIMEArrivesAsQuotedPrintable() async throws {
        let fixture = try await QueueFixture()
        let peer = try await ScriptedPeer.start(.init(eightBitMIME: false), directory: fixture.directory)
        let body = "From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: caf\u{e9}s\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nDeux caf\u{e9}s, s'il vous pla\u{ee}t.\r\n"
        _ = try await fixture.store.enqueue(OutboundMessage(
            bytes: Array(body.replacingOccurrences(of: "Subject: caf\u{e9}s", with: "Subject: cafes").utf8), mailFrom: fixture.alice,
            recipients: [QueuedRecipient(address: try EmailAddress("bob@remote.test"), nextAttempt: fixture.clock.now)], bodyType: "8BITMIME"))
        try await Self.deliver(try Self.runner(fixture, port: try peer.port), fixture)
        await peer.stop()
        let received = try #require(try peer.received.first)
        #expect(received.data.unicodeScalars.allSatisfy { $0.value < 0x80 }, "7-bit on the wire")
        #expect(!received.mail_options.contains("BODY=8BITMIME"))
        let file = fixture.directory.url.appendingPathComponent("received.eml")
        try Data(received.data.utf8).write(to: file)
        let decoded = try await Python.run("""
            import email, sys
            from email import policy
            m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
            print(m["Content-Transfer-Encoding"], m.get_content().strip())
            """, arguments: [file.path])
        #expect(decoded.stdout == "quoted-printable Deux caf\u{e9}s, s'il vous pla\u{ee}t.\n", "\(decoded.stdout)\(decoded.stderr)")
    }

    @Test func messagesThePeerCannotTakeBounceWithoutBeingSent() async throws {
        let fixture = try await QueueFixture()
        let peer = try await ScriptedPeer.start(.init(smtpUTF8: false, sizeLimit: 1000), directory: fixture.directory)
        _ = try await fixture.store.enqueue(OutboundMessage(
            bytes: Array("From: alice@example.test\r\nSubject: small but international\r\n\r\nhi\r\n".utf8), mailFrom: fixture.alice,
            recipients: [QueuedRecipient(address: try EmailAddress("bob@remote.test"), nextAttempt: fixture.clock.now)], smtpUTF8: true))
        _ = try await fixture.store.enqueue(OutboundMessage(
            bytes: Array(("From: alice@example.test\r\nSubject: too big\r\n\r\n" + String(repeating: "x\r\n", count: 1000)).utf8),
            mailFrom: fixture.alice, recipients: [QueuedRecipient(address: try EmailAddress("bob@remote.test"), nextAttempt: fixture.clock.now)]))
        try await Self.deliver(try Self.runner(fixture, port: try peer.port), fixture)
        await peer.stop()
        #expect(try peer.received.isEmpty)
        #expect(try await fixture.store.queuedMessages().isEmpty)
        let statuses = try await fixture.inbox().compactMap { dsn in dsn.split(separator: "\r\n").first { $0.hasPrefix("Status: ") } }
        #expect(Set(statuses) == ["Status: 5.6.7", "Status: 5.3.4"], "RFC 6531 §3.5 and RFC 1870 §6 refusals: \(statuses)")
    }

    @Test func opportunisticTLSWithAndWithoutSTARTTLS() async throws {
        let fixture = try await QueueFixture()
        let (cert, key) = try await Self.certificate(for: "mx.remote.test", in: fixture.directory)
        let plain = try await ScriptedPeer.start(.init(), directory: fixture.directory)
        try await fixture.enqueue("in the clear", to: ["bob@remote.test"])
        try await Self.deliver(try Self.runner(fixture, port: try plain.port), fixture)
        await plain.stop()
        #expect(try plain.received.map(\.tls) == [false], "delivered without TLS to a peer that does not offer it")

        let tls = try await ScriptedPeer.start(.init(tls: (cert, key)), directory: fixture.directory)
        try await fixture.enqueue("encrypted", to: ["bob@remote.test"])
        try await Self.deliver(try Self.runner(fixture, port: try tls.port), fixture)
        await tls.stop()
        #expect(try tls.received.map(\.tls) == [true], "STARTTLS used when offered, self-signed or not")
    }

    @Test func smarthostOn587WithSTARTTLSAndAUTH() async throws {
        let fixture = try await QueueFixture()
        let (cert, key) = try await Self.certificate(for: "relay.test", in: fixture.directory)
        let peer = try await ScriptedPeer.start(.init(tls: (cert, key), auth: "hato:relay secret"), directory: fixture.directory)
        func relayRunner(password: String) throws -> QueueRunner {
            var client = SMTPClientConfiguration(heloName: QueueFixture.hostname, tlsMode: .requireSTARTTLS)
            client.commandTimeout = .seconds(30)
            client.tlsConfiguration.trustRoots = .file(cert)
            client.credentials = SMTPClientCredentials(username: "hato", password: password)
            return try Self.runner(fixture, port: 9, relay: (client, OutboundConfiguration.Relay(host: "relay.test", port: try peer.port)))
        }
        let id = try await fixture.enqueue("via the relay", to: ["bob@remote.test", "eve@other.test"])
        try await relayRunner(password: "wrong").deliverDue()
        let refused = try #require(try await fixture.store.queuedMessage(id))
        #expect(refused.recipients.allSatisfy { $0.state == .deferred && $0.lastReply?.contains("535") == true }, "\(refused.recipients)")
        fixture.clock.advance(3600)
        try await Self.deliver(try relayRunner(password: "relay secret"), fixture)
        await peer.stop()
        let received = try peer.received
        #expect(received.count == 1, "one transaction for both domains through the relay")
        #expect(received.first.map { $0.tls && $0.auth && Set($0.to) == ["bob@remote.test", "eve@other.test"] } == true)
    }

    static func certificate(for name: String, in directory: TemporaryDirectory) async throws -> (String, String) {
        let cert = directory.url.appendingPathComponent("\(name).crt").path, key = directory.url.appendingPathComponent("\(name).key").path
        let openssl = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
            "-days", "2", "-subj", "/CN=\(name)", "-addext", "subjectAltName=DNS:\(name)", "-addext", "basicConstraints=critical,CA:TRUE",
        ])
        openssl.closeInput()
        #expect(await openssl.exit(timeout: 60) == 0, "\(openssl.errorOutput)")
        return (cert, key)
    }
}
