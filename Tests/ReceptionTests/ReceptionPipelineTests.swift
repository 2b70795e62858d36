import DNSMessage
import Foundation
import HatoTesting
import LocalDelivery
import Logging
import MailAuth
import MailCore
import MailMessage
import MailStore
import MailStoreSQLite
import Reception
import SMTPProtocol
import Synchronization
import Testing

/// The standard pipeline end to end without sockets: one parse per message, one stored body
/// for many local recipients, and what every stage leaves in the stored message.
@Suite struct ReceptionPipelineTests {
    static let zone = """
        remote.test. 300 IN TXT "v=spf1 ip4:192.0.2.10 -all"
        _dmarc.remote.test. 300 IN TXT "v=DMARC1; p=none; rua=mailto:d@remote.test"
        """

    final class SummarizerCalls: Sendable {
        let count = Mutex(0)
    }

    struct Setup {
        let directory: TemporaryDirectory
        let store: SQLiteMailStore
        let accounts: [EmailAddress]
        let summarizerCalls: SummarizerCalls
        let pipeline: ReceptionPipeline
    }

    static func setUp(recipients: Int) async throws -> Setup {
        let directory = try TemporaryDirectory(prefix: "hato-reception")
        let calls = SummarizerCalls()
        let store = try SQLiteMailStore(directory: directory.url, options: .init(summarizer: { bytes in
            calls.count.withLock { $0 += 1 }
            return MessageSummary(parsing: bytes).storedForm()
        }))
        try await store.addDomain(try Domain("example.test"))
        let credentials = try Account.deriveCredentials(password: "pw", iterations: 4096)
        var accounts: [EmailAddress] = []
        for n in 1...recipients {
            let address = try EmailAddress("user\(n)@example.test")
            try await store.addAccount(address, credentials: credentials, quota: .unlimited)
            accounts.append(address)
        }
        let resolver = try StaticResolver(zoneText: zone)
        let pipeline = ReceptionPipeline.standard(
            store: store, spf: SPFPolicy(resolver: resolver), signer: nil,
            authentication: InboundAuthenticationPolicy(authenticator: InboundAuthenticator(resolver: resolver, authservID: "mx.example.test")))
        return Setup(directory: directory, store: store, accounts: accounts, summarizerCalls: calls, pipeline: pipeline)
    }

    static func client() -> ReceptionClient {
        var client = ReceptionClient(hostname: "mx.example.test", listener: .mx, remoteIP: "192.0.2.10", logger: Logger(label: "test"))
        client.helo = "mail.remote.test"
        client.esmtp = true
        return client
    }

    /// MAIL and RCPT through the pipeline, as the SMTP session does.
    static func transaction(_ setup: Setup, client: ReceptionClient) async throws -> ReceptionTransaction {
        var transaction = ReceptionTransaction(id: "t1", mailFrom: try EmailAddress("news@remote.test"), parameters: SMTPMailParameters())
        #expect(await setup.pipeline.mailFrom(&transaction, client: client) == nil)
        for address in setup.accounts {
            var recipient = ReceptionRecipient(address: address, parameters: SMTPRcptParameters())
            #expect(await setup.pipeline.recipient(&recipient, transaction: transaction, client: client) == nil)
            transaction.recipients.append(AcceptedRecipient(address: recipient.address, resolution: try #require(recipient.resolution)))
        }
        return transaction
    }

    static let message = Array("""
        Authentication-Results: mx.example.test; dmarc=pass (forged)\r
        From: News <news@remote.test>\r
        To: undisclosed-recipients:;\r
        Subject: =?UTF-8?B?5pel5pys6Kqe?=\r
        Content-Type: multipart/alternative; boundary="b"\r
        \r
        --b\r
        Content-Type: text/plain\r
        \r
        plain\r
        --b\r
        Content-Type: text/html\r
        \r
        <p>html</p>\r
        --b--\r

        """.utf8)

    @Test func tenRecipientsOneParseOneBody() async throws {
        let setup = try await Self.setUp(recipients: 10)
        let client = Self.client()
        let transaction = try await Self.transaction(setup, client: client)
        let counter = MessageParseCounter()
        let outcomes = await MessageParseCounter.$current.withValue(counter) {
            var message = ReceptionMessage(content: ReceivedMessage(bytes: Self.message))
            let refusal = await setup.pipeline.message(&message, transaction: transaction, client: client)
            #expect(refusal == nil)
            let request = DeliveryRequest(mailFrom: transaction.mailFrom, recipients: transaction.recipients, message: message.content)
            return await LocalDelivery(store: setup.store).deliver(request)
        }
        #expect(outcomes.allSatisfy { if case .delivered = $0 { true } else { false } }, "\(outcomes)")
        #expect(counter.parses == 1, "SPF, DKIM, ARC, DMARC, A-R filtering, trace fields and the store summary share one parse")
        #expect(setup.summarizerCalls.count.withLock { $0 } == 0, "the store was handed the summary")

        var paths = Set<String>()
        var stored: [UInt8] = []
        for address in setup.accounts {
            let account = try #require(try await setup.store.account(address))
            let inbox = try #require(try await setup.store.mailbox(of: account.id, named: "INBOX"))
            let messages = try await setup.store.messages(in: inbox.id)
            #expect(messages.count == 1)
            let first = try #require(messages.first)
            paths.insert(first.body.path)
            stored = try await setup.store.readBody(first.body)
            // The summary handed over describes the stored bytes exactly (IMAP FETCH trusts it).
            var summary = try #require(first.summary.flatMap { MessageSummary(storedForm: $0) })
            var fresh = MessageSummary(parsing: stored)
            summary.problems = []
            fresh.problems = []
            #expect(summary == fresh)
        }
        #expect(paths.count == 1, "ten accounts, one body")
        #expect(paths.first?.hasPrefix("inline/") == true, "a small message is kept in the database (store.inline_body_max)")
        // Body files live in <data>/messages/<yyyymmddhh>/ (tmp/ holds files being written): none here.
        let messages = setup.directory.url.appendingPathComponent("messages")
        let bodyFiles = try FileManager.default.subpathsOfDirectory(atPath: messages.path).filter { path in
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: messages.appendingPathComponent(path).path, isDirectory: &isDirectory)
            return !isDirectory.boolValue && !path.hasPrefix("tmp")
        }
        #expect(bodyFiles.isEmpty, "\(bodyFiles)")

        let text = String(decoding: stored, as: UTF8.self)
        #expect(text.hasPrefix("Return-Path: <news@remote.test>\r\nAuthentication-Results: mx.example.test;"), "\(text)")
        #expect(text.contains("spf=pass smtp.mailfrom=news@remote.test"))
        #expect(text.contains("Received-SPF: pass"))
        #expect(text.contains("\r\nReceived: from mail.remote.test ([192.0.2.10])\r\n\tby mx.example.test (Hato) with ESMTP id t1"))
        #expect(!text.contains("(forged)"), "RFC 8601 §5: the forged field is gone")
        #expect(!text.contains("Delivered-To"), "one body for ten readers names none of them")
        let withoutForged = String(decoding: Self.message, as: UTF8.self).components(separatedBy: "\r\n").dropFirst().joined(separator: "\r\n")
        #expect(text.hasSuffix(withoutForged), "the client's message follows our fields byte for byte")
        try await setup.store.close()
    }

    @Test func oneRecipientGetsDeliveredTo() async throws {
        let setup = try await Self.setUp(recipients: 1)
        let client = Self.client()
        let transaction = try await Self.transaction(setup, client: client)
        var message = ReceptionMessage(content: ReceivedMessage(bytes: Self.message))
        #expect(await setup.pipeline.message(&message, transaction: transaction, client: client) == nil)
        _ = await LocalDelivery(store: setup.store).deliver(
            DeliveryRequest(mailFrom: transaction.mailFrom, recipients: transaction.recipients, message: message.content))
        let account = try #require(try await setup.store.account(setup.accounts[0]))
        let inbox = try #require(try await setup.store.mailbox(of: account.id, named: "INBOX"))
        let stored = try await setup.store.readBody(try #require(try await setup.store.messages(in: inbox.id).first).body)
        #expect(String(decoding: stored, as: UTF8.self).hasPrefix("Return-Path: <news@remote.test>\r\nDelivered-To: user1@example.test\r\n"))
        try await setup.store.close()
    }
}

/// The hand-written RFC 5322 §3.3 date of the Received field (it replaced a DateFormatter).
@Suite struct TraceDateTests {
    @Test func formatsUTCDates() {
        #expect(TraceHeaders.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(TraceHeaders.rfc5322Date(Date(timeIntervalSince1970: 1_796_553_991.9)) == "Sun, 06 Dec 2026 10:46:31 +0000")
        #expect(TraceHeaders.rfc5322Date(Date(timeIntervalSince1970: 951_868_799)) == "Tue, 29 Feb 2000 23:59:59 +0000")
    }
}
