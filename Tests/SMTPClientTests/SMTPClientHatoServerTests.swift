import MailCore
import Foundation
import HatoTesting
import NIOSSL
import SMTPClient
import Testing

/// The client against Hato's own SMTP server, in-process: the happy path, reuse, TLS and AUTH.
@Suite struct SMTPClientHatoServerTests {
    typealias T = ClientTestSupport

    @Test func deliversSeveralTransactionsOnOneConnection() async throws {
        let peer = try await HatoPeer.start(profile: .mx)
        let connection = try await T.connect(peer.port, T.configuration(.none))
        let capabilities = connection.capabilities
        #expect(capabilities.pipelining && capabilities.eightBitMIME && capabilities.dsn && capabilities.smtpUTF8)
        #expect(capabilities.maxMessageSize == 1_000_000 && !capabilities.usedHELO)
        #expect(capabilities.serverName == "mail.example.test")
        #expect(!connection.tlsActive)

        // 1: two recipients, one unknown; LF line ends and a line starting with "." on the way.
        let first = try await connection.send(
            SMTPClientEnvelope(mailFrom: "sender@example.org", recipients: [.init(address: "alice@example.test"), .init(address: "nobody@example.test")]),
            message: Array("From: sender@example.org\nTo: alice@example.test\nSubject: one\n\n.leading dot\nend\n".utf8))
        #expect(first.mailFrom.code == 250)
        #expect(first.recipients.map(\.reply.code) == [250, 550])
        #expect(first.recipients[1].reply.enhancedCode == "5.1.1")
        #expect(first.recipients[1].reply.text == "No such user here")
        #expect(first.data?.code == 250 && first.data?.enhancedCode == "2.0.0")
        #expect(first.outcome(for: 0).code == 250 && first.outcome(for: 1).code == 550)

        // 2: nobody accepted: no DATA, the transaction stays open on the server.
        let second = try await connection.send(
            SMTPClientEnvelope(mailFrom: "sender@example.org", recipients: [.init(address: "ghost@example.test")]), message: T.message("x"))
        #expect(second.data == nil && second.recipients.first?.reply.code == 550)

        // 3: RSET first, then an 8-bit message with the null reverse-path.
        let third = try await connection.send(
            SMTPClientEnvelope(mailFrom: nil, recipients: [.init(address: "bob@example.test")], eightBit: true),
            message: Array("From: MAILER-DAEMON@example.org\r\nTo: bob@example.test\r\nSubject: three\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n".utf8))
        #expect(third.mailFrom.code == 250 && third.data?.code == 250)
        #expect(connection.isUsable)
        await connection.quit()
        #expect(!connection.isUsable)

        let alice = try await peer.inbox("alice@example.test")
        #expect(alice.count == 1)
        #expect(alice.first?.contains("\r\nSubject: one\r\n\r\n.leading dot\r\nend\r\n") == true, "dot-stuffing undone, CRLF everywhere")
        let bob = try await peer.inbox("bob@example.test")
        #expect(bob.count == 1)
        #expect(bob.first?.contains("Grüße\r\n") == true, "8-bit content sent as BODY=8BITMIME unchanged")
        #expect(bob.first?.contains("Return-Path: <>") == true)
        try await peer.stop()
    }

    @Test func opportunisticTLSSkipsCertificateChecks() async throws {
        let peer = try await HatoPeer.start(profile: .mx)
        // No trust for the test CA and a name the certificate does not carry: RFC 7435 still encrypts.
        let connection = try await T.connect(peer.port, T.configuration(.opportunistic), serverName: "mx.elsewhere.test")
        #expect(connection.tlsActive)
        #expect(!connection.capabilities.startTLS, "capabilities are those from the EHLO after TLS")
        let result = try await connection.send(
            SMTPClientEnvelope(mailFrom: "sender@example.org", recipients: [.init(address: "alice@example.test")]), message: T.message("over TLS"))
        #expect(result.data?.code == 250)
        await connection.quit()
        let stored = try await peer.inbox("alice@example.test")
        #expect(stored.first?.contains("with ESMTPS") == true, "\(stored)")
        try await peer.stop()
    }

    @Test func requiredSTARTTLSVerifiesTheCertificate() async throws {
        let peer = try await HatoPeer.start(profile: .mx)
        var trusted = T.configuration(.requireSTARTTLS)
        trusted.tlsConfiguration = try peer.ca.clientTLS()
        let connection = try await T.connect(peer.port, trusted)
        #expect(connection.tlsActive)
        await connection.quit()

        // The right CA but another name: hostname verification fails.
        do {
            _ = try await T.connect(peer.port, trusted, serverName: "mx.elsewhere.test")
            Issue.record("connected despite a wrong name")
        } catch let error as SMTPClientError {
            guard case .tlsHandshakeFailed = error else { Issue.record("\(error)"); return }
        }
        // The system roots do not know the test CA.
        do {
            _ = try await T.connect(peer.port, T.configuration(.requireSTARTTLS))
            Issue.record("connected with an untrusted certificate")
        } catch let error as SMTPClientError {
            guard case .tlsHandshakeFailed = error else { Issue.record("\(error)"); return }
        }
        // An IP literal has no name to verify.
        do {
            _ = try await T.connect(peer.port, trusted, serverName: "127.0.0.1")
            Issue.record("verified mode accepted an IP literal")
        } catch let error as SMTPClientError {
            guard case .tlsHandshakeFailed = error else { Issue.record("\(error)"); return }
        }
        try await peer.stop()
    }

    @Test func implicitTLSAuthenticatesAndPassesDSNParameters() async throws {
        let peer = try await HatoPeer.start(profile: .submission, implicitTLS: true)
        var configuration = T.configuration(.implicit)
        configuration.tlsConfiguration = try peer.ca.clientTLS()
        configuration.credentials = SMTPClientCredentials(username: "alice@example.test", password: HatoPeer.password)
        let connection = try await T.connect(peer.port, configuration)
        #expect(connection.tlsActive)
        #expect(connection.capabilities.authMechanisms.contains("SCRAM-SHA-256"), "so SCRAM-SHA-256 was used")
        let envelope = SMTPClientEnvelope(
            mailFrom: "alice@example.test",
            recipients: [.init(address: "carol@elsewhere.test", dsn: DSNRequest(notify: [.failure, .delay], originalRecipient: OriginalRecipient(addressType: "rfc822", address: "Carol+x=y@elsewhere.test")))],
            envelopeID: "id+42=", returnContent: "HDRS")
        let result = try await connection.send(
            envelope, message: Array("From: alice@example.test\r\nTo: carol@elsewhere.test\r\nSubject: dsn\r\n\r\nhi\r\n".utf8))
        #expect(result.data?.code == 250, "\(result)")
        await connection.quit()
        let queued = try await peer.store.queuedMessages()
        #expect(queued.count == 1)
        #expect(queued.first?.envelopeID == "id+42=" && queued.first?.returnContent == "HDRS", "ENVID xtext round trip")
        #expect(queued.first?.recipients.first?.dsn.notify == [.failure, .delay])
        #expect(queued.first?.recipients.first?.dsn.originalRecipient?.description == "rfc822;Carol+x=y@elsewhere.test")

        configuration.credentials?.password = "wrong"
        do {
            _ = try await T.connect(peer.port, configuration)
            Issue.record("wrong password accepted")
        } catch let error as SMTPClientError {
            guard case .authenticationFailed(let reply) = error else { Issue.record("\(error)"); return }
            #expect(reply.code == 535 && reply.enhancedCode == "5.7.8")
        }
        try await peer.stop()
    }

    @Test func credentialsAreNeverSentWithoutTLS() async throws {
        let peer = try await HatoPeer.start(profile: .submission)
        var configuration = T.configuration(.none)
        configuration.credentials = SMTPClientCredentials(username: "alice@example.test", password: HatoPeer.password)
        do {
            _ = try await T.connect(peer.port, configuration)
            Issue.record("AUTH without TLS")
        } catch let error as SMTPClientError {
            guard case .authenticationUnavailable = error else { Issue.record("\(error)"); return }
        }
        // With STARTTLS required the same credentials work.
        configuration.tlsMode = .requireSTARTTLS
        configuration.tlsConfiguration = try peer.ca.clientTLS()
        let connection = try await T.connect(peer.port, configuration)
        #expect(connection.tlsActive && connection.capabilities.authMechanisms.contains("PLAIN"))
        await connection.quit()
        try await peer.stop()
    }
}
