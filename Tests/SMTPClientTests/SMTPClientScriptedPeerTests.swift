import MailCore
import Foundation
import HatoTesting
import SMTPClient
import Testing

/// The client against aiosmtpd (PyPI) told to misbehave in the ways real peers do.
@Suite struct SMTPClientScriptedPeerTests {
    typealias T = ClientTestSupport

    static func envelope(_ recipients: String..., from: String? = "sender@example.org") -> SMTPClientEnvelope {
        SMTPClientEnvelope(mailFrom: from, recipients: recipients.map { SMTPClientRecipient(address: $0) })
    }

    @Test func pipelinesOnlyWhenOfferedAndSendsNoDSNParametersToAPeerWithoutDSN() async throws {
        for offered in [true, false] {
            let peer = try await ScriptedPeer.aiosmtpd(offered ? ["ehlo_add": ["PIPELINING"]] as [String: Any] : [:])
            let connection = try await T.connect(peer.port, T.configuration())
            #expect(connection.capabilities.pipelining == offered)
            let envelope = SMTPClientEnvelope(
                mailFrom: "sender@example.org",
                recipients: [.init(address: "one@example.test", dsn: DSNRequest(notify: .success, originalRecipient: OriginalRecipient(addressType: "rfc822", address: "one@example.test"))),
                             .init(address: "two@example.test")],
                envelopeID: "abc", returnContent: "FULL")
            let result = try await connection.send(envelope, message: T.message("hello"))
            // aiosmtpd answers 555 to any DSN parameter: a 250 means none was sent.
            #expect(result.recipients.map(\.reply.code) == [250, 250])
            #expect(result.data?.code == 250)
            await connection.quit()
            let event = try #require(try await peer.waitForEvents(1).first)
            #expect(event["pipelined"] as? Bool == offered, "PIPELINING offered: \(offered)")
            #expect(event["rcpt_tos"] as? [String] == ["one@example.test", "two@example.test"])
            #expect((event["mail_options"] as? [String])?.contains { $0.hasPrefix("SIZE=") } == true)
            await peer.stop()
        }
    }

    @Test func manyRecipientsArePipelinedInGroups() async throws {
        let peer = try await ScriptedPeer.aiosmtpd(["ehlo_add": ["PIPELINING"], "replies": ["RCPT:r249@example.test": "550 5.1.1 No"] as [String: Any]])
        let connection = try await T.connect(peer.port, T.configuration())
        let envelope = SMTPClientEnvelope(mailFrom: "a@example.org", recipients: (0..<250).map { .init(address: "r\($0)@example.test") })
        let result = try await connection.send(envelope, message: T.message("many"))
        #expect(result.recipients.count == 250)
        #expect(result.recipients.prefix(249).allSatisfy { $0.reply.code == 250 } && result.recipients[249].reply.code == 550)
        #expect(result.data?.code == 250)
        await connection.quit()
        #expect((try await peer.waitForEvents(1).first?["rcpt_tos"] as? [String])?.count == 249)
        await peer.stop()
    }

    @Test func repliesAtEachStageLandInTheResultAndTheConnectionIsReused() async throws {
        let peer = try await ScriptedPeer.aiosmtpd([
            "ehlo_add": ["PIPELINING"],
            "replies": [
                "MAIL": ["451 4.3.0 Try again later", NSNull()] as [Any],
                "RCPT:bad@example.test": "550 5.1.1 No such user",
                "RCPT:busy@example.test": "450 4.2.1 Mailbox busy",
                "DATA": ["452 4.3.1 Insufficient storage", NSNull()] as [Any],
                "EOD": ["451 4.3.0 Queue full", NSNull()] as [Any],
            ] as [String: Any],
        ])
        let connection = try await T.connect(peer.port, T.configuration())
        let envelope = Self.envelope("good@example.test", "bad@example.test", "busy@example.test")

        let refused = try await connection.send(envelope, message: T.message("1"))
        #expect(refused.mailFrom.code == 451 && refused.mailFrom.enhancedCode == "4.3.0" && refused.mailFrom.isTransient)
        #expect(refused.recipients.allSatisfy { $0.reply.code == 451 }, "MAIL refused: every recipient carries its reply")
        #expect(refused.data == nil)

        let dataRefused = try await connection.send(envelope, message: T.message("2"))
        #expect(dataRefused.recipients.map(\.reply.code) == [250, 550, 450])
        #expect(dataRefused.recipients[1].reply.isPermanent && dataRefused.recipients[2].reply.isTransient)
        #expect(dataRefused.data?.code == 452)

        let endRefused = try await connection.send(envelope, message: T.message("3"))
        #expect(endRefused.data?.code == 451 && endRefused.data?.text == "Queue full")
        #expect(endRefused.outcome(for: 0).code == 451 && endRefused.outcome(for: 1).code == 550)

        let delivered = try await connection.send(envelope, message: T.message("4"))
        #expect(delivered.data?.code == 250)
        await connection.quit()
        let events = try await peer.waitForEvents(1)
        #expect(events.count == 1, "only the last transaction reached the peer's queue")
        #expect(events.first?["rcpt_tos"] as? [String] == ["good@example.test"])
        #expect(String(decoding: content(of: events[0]), as: UTF8.self).hasSuffix("\r\n\r\n4\r\n"))
        await peer.stop()
    }

    @Test func a421EndsTheConnection() async throws {
        let peer = try await ScriptedPeer.aiosmtpd(["replies": ["RCPT": "421 4.3.2 Shutting down"]])
        let connection = try await T.connect(peer.port, T.configuration())
        do {
            _ = try await connection.send(Self.envelope("a@example.test"), message: T.message("x"))
            Issue.record("421 not reported")
        } catch let error as SMTPClientError {
            #expect(error == .serviceClosing(SMTPClientReply(code: 421, enhancedCode: "4.3.2", lines: ["Shutting down"]), stage: .rcptTo))
            #expect(!error.isPermanent)
        }
        #expect(!connection.isUsable)
        await #expect(throws: SMTPClientError.connectionUnusable) {
            _ = try await connection.send(Self.envelope("a@example.test"), message: T.message("x"))
        }
        await peer.stop()
    }

    @Test func a421ToEHLOIsNotAnHELOFallback() async throws {
        let peer = try await ScriptedPeer.aiosmtpd(["replies": ["EHLO": "421 4.7.0 Too busy, try later"] as [String: Any]])
        await #expect(throws: SMTPClientError.serviceClosing(SMTPClientReply(code: 421, enhancedCode: "4.7.0", lines: ["Too busy, try later"]), stage: .ehlo)) {
            _ = try await T.connect(peer.port, T.configuration())
        }
        await peer.stop()
    }

    @Test func aConnectionDroppedMidDATAIsAConnectionFailure() async throws {
        let peer = try await ScriptedPeer.aiosmtpd(["drop_in_data": true])
        let connection = try await T.connect(peer.port, T.configuration())
        do {
            _ = try await connection.send(Self.envelope("a@example.test"), message: T.message(String(repeating: "line\r\n", count: 2000)))
            Issue.record("a dropped connection was not reported")
        } catch let error as SMTPClientError {
            switch error {
            case .connectionClosed(let stage): #expect(stage == .message || stage == .endOfData)
            default: Issue.record("\(error)")
            }
            #expect(!error.isPermanent && !error.connectionUsable)
        }
        #expect(try await peer.waitForEvents(1).first?["dropped"] as? Bool == true)
        await peer.stop()
    }

    @Test func sizeIsDeclaredAndAMessageOverThePeersLimitIsRefusedLocally() async throws {
        let peer = try await ScriptedPeer.aiosmtpd(["size": 1000])
        let connection = try await T.connect(peer.port, T.configuration())
        #expect(connection.capabilities.maxMessageSize == 1000)
        let big = T.message(String(repeating: "0123456789", count: 120))
        do {
            _ = try await connection.send(Self.envelope("a@example.test"), message: big)
            Issue.record("oversized message sent")
        } catch let error as SMTPClientError {
            #expect(error == .messageTooLarge(size: big.count, limit: 1000))
            #expect(error.isPermanent && error.connectionUsable)
            #expect(error.localReply?.code == 552 && error.localReply?.enhancedCode == "5.3.4")
        }
        let small = T.message("small")
        let result = try await connection.send(Self.envelope("a@example.test"), message: small)
        #expect(result.data?.code == 250)
        await connection.quit()
        let event = try #require(try await peer.waitForEvents(1).first)
        #expect(event["mail_options"] as? [String] == ["SIZE=\(small.count)"])
        await peer.stop()
    }

    @Test func smtpUTF8IsUsedWhenOfferedAndItsAbsenceIsABounce() async throws {
        let without = try await ScriptedPeer.aiosmtpd([:])
        let plain = try await T.connect(without.port, T.configuration())
        do {
            _ = try await plain.send(Self.envelope("δοκιμή@example.test"), message: T.message("x"))
            Issue.record("SMTPUTF8 message sent to a peer without it")
        } catch let error as SMTPClientError {
            #expect(error == .smtpUTF8Unsupported)
            #expect(error.localReply?.code == 550 && error.localReply?.enhancedCode == "5.6.7")
        }
        #expect(plain.isUsable)
        await plain.quit()
        await without.stop()

        let with = try await ScriptedPeer.aiosmtpd(["smtputf8": true])
        let connection = try await T.connect(with.port, T.configuration())
        let result = try await connection.send(
            Self.envelope("δοκιμή@example.test"), message: Array("From: a@example.org\r\nSubject: Grüße\r\n\r\nhi\r\n".utf8))
        #expect(result.data?.code == 250)
        await connection.quit()
        let event = try #require(try await with.waitForEvents(1).first)
        #expect((event["mail_options"] as? [String])?.contains("SMTPUTF8") == true)
        #expect((event["mail_options"] as? [String])?.contains("BODY=8BITMIME") == true)
        #expect(event["rcpt_tos"] as? [String] == ["δοκιμή@example.test"])
        await with.stop()
    }

    @Test func withoutSTARTTLSOpportunisticGoesPlainAndRequiredFails() async throws {
        let peer = try await ScriptedPeer.aiosmtpd([:])
        let connection = try await T.connect(peer.port, T.configuration(.opportunistic))
        #expect(!connection.tlsActive)
        #expect(try await connection.send(Self.envelope("a@example.test"), message: T.message("x")).data?.code == 250)
        await connection.quit()
        await #expect(throws: SMTPClientError.tlsUnavailable) {
            _ = try await T.connect(peer.port, T.configuration(.requireSTARTTLS))
        }
        #expect(try await peer.waitForEvents(1).first?["tls"] as? Bool == false)
        await peer.stop()
    }

    @Test func aPeerOfferingOnlyLOGINGetsLOGIN() async throws {
        let ca = try TestCertificateAuthority()
        let peer = try await ScriptedPeer.aiosmtpd([
            "tls": ["cert": ca.serverCertificatePath, "key": ca.serverKeyPath], "require_starttls": true,
            "auth": ["user": "relay-user", "password": "relay secret"], "auth_exclude": ["PLAIN"],
        ] as [String: Any])
        var configuration = T.configuration(.requireSTARTTLS)
        configuration.tlsConfiguration = try ca.clientTLS()
        configuration.credentials = SMTPClientCredentials(username: "relay-user", password: "relay secret")
        let connection = try await T.connect(peer.port, configuration)
        #expect(connection.capabilities.authMechanisms == ["LOGIN"])
        #expect(try await connection.send(Self.envelope("far@example.net"), message: T.message("x")).data?.code == 250)
        await connection.quit()
        configuration.credentials?.password = "guess"
        await #expect(throws: SMTPClientError.self) { _ = try await T.connect(peer.port, configuration) }
        await peer.stop()
    }

    @Test func smarthostOn587WithSTARTTLSAndAUTH() async throws {
        let ca = try TestCertificateAuthority()
        let peer = try await ScriptedPeer.aiosmtpd([
            "tls": ["cert": ca.serverCertificatePath, "key": ca.serverKeyPath], "require_starttls": true,
            "auth": ["user": "relay-user", "password": "relay secret"],
        ] as [String: Any])
        var configuration = T.configuration(.requireSTARTTLS)
        configuration.tlsConfiguration = try ca.clientTLS()
        configuration.credentials = SMTPClientCredentials(username: "relay-user", password: "relay secret")
        let connection = try await T.connect(peer.port, configuration)
        #expect(connection.tlsActive)
        let result = try await connection.send(Self.envelope("far@example.net"), message: T.message("via smarthost"))
        #expect(result.data?.code == 250)
        await connection.quit()
        #expect(try await peer.waitForEvents(1).first?["tls"] as? Bool == true)

        // Without credentials the relay refuses MAIL: a per-transaction reply, not a thrown error.
        configuration.credentials = nil
        let anonymous = try await T.connect(peer.port, configuration)
        let refused = try await anonymous.send(Self.envelope("far@example.net"), message: T.message("x"))
        #expect(refused.mailFrom.code == 530 && refused.data == nil)
        await anonymous.quit()

        configuration.credentials = SMTPClientCredentials(username: "relay-user", password: "guess")
        do {
            _ = try await T.connect(peer.port, configuration)
            Issue.record("wrong password accepted")
        } catch let error as SMTPClientError {
            guard case .authenticationFailed(let reply) = error else { Issue.record("\(error)"); return }
            #expect(reply.code == 535)
        }
        await peer.stop()
    }
}
