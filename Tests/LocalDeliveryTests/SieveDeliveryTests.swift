import Foundation
import HatoTesting
import LocalDelivery
import MailCore
import MailMessage
import MailStore
import MailStoreSQLite
import SieveProtocol
import Testing

/// Local delivery under an account's active Sieve script (docs/sieve.md), on the SQLite store.
@Suite struct SieveDeliveryTests {
    let directory = try! TemporaryDirectory(prefix: "hato-sieve-delivery")

    func setUp(_ script: String?) async throws -> (SQLiteMailStore, Account, LocalDelivery) {
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        let bob = try await store.addAccount(try EmailAddress("bob@example.test"), credentials: [], quota: .unlimited)
        if let script {
            try await store.putSieveScript(of: bob.id, name: "main", source: script, at: Date())
            try await store.activateSieveScript(of: bob.id, named: "main")
        }
        return (store, bob, LocalDelivery(store: store, sieve: SieveFilter(store: store)))
    }

    func deliver(_ delivery: LocalDelivery, _ store: SQLiteMailStore, _ message: String, from: String? = "alice@remote.test",
                 to: String = "bob@example.test") async throws -> [RecipientDelivery] {
        let address = try EmailAddress(to)
        let bytes = Array(message.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        return await delivery.deliver(DeliveryRequest(
            mailFrom: try from.map { try EmailAddress($0) },
            recipients: [AcceptedRecipient(address: address, resolution: try await store.resolveRecipient(address))],
            traceHeaders: "", message: bytes))
    }

    func messages(_ store: SQLiteMailStore, _ account: Account, _ mailbox: String) async throws -> [StoredMessage] {
        guard let box = try await store.mailbox(of: account.id, named: mailbox) else { return [] }
        return try await store.messages(in: box.id)
    }

    static let invoice = "From: Keiri <keiri@remote.test>\nTo: bob@example.test\nSubject: =?ISO-2022-JP?B?GyRCQEE1YT1xJE4kNEF3SVUbKEI=?=\nMessage-ID: <m1@remote.test>\n\nplease pay\n"

    @Test func fileintoWithFlagsCreatesTheMailbox() async throws {
        let (store, bob, delivery) = try await setUp("""
            require ["fileinto", "mailbox", "imap4flags"];
            if header :contains "subject" "請求書" { fileinto :create :flags ["\\\\Seen", "$Invoice"] "Invoices"; }
            """)
        let outcome = try await deliver(delivery, store, Self.invoice)
        #expect(outcome == [.delivered([try EmailAddress("bob@example.test")])])
        let filed = try await messages(store, bob, "Invoices")
        #expect(filed.count == 1)
        #expect(filed.first?.flags.names.contains("\\Seen") == true && filed.first?.flags.keywords == ["$Invoice"])
        #expect(try await messages(store, bob, "INBOX").isEmpty)
        try await store.close()
    }

    /// The mailbox list is read only when a script runs (LocalDelivery+Sieve.swift); the script
    /// still sees every mailbox (RFC 5490 §3.1 mailboxexists) and files into the existing one.
    @Test func mailboxexistsSeesTheAccountsMailboxes() async throws {
        let (store, bob, delivery) = try await setUp("""
            require ["fileinto", "mailbox"];
            if mailboxexists "Lists" { fileinto "Lists"; }
            if mailboxexists "Nowhere" { fileinto :create "Wrong"; }
            """)
        _ = try await store.createMailbox(of: bob.id, named: "Lists", specialUse: nil)
        let outcome = try await deliver(delivery, store, Self.invoice)
        #expect(outcome == [.delivered([try EmailAddress("bob@example.test")])])
        #expect(try await messages(store, bob, "Lists").count == 1)
        #expect(try await messages(store, bob, "INBOX").isEmpty)
        #expect(try await store.mailbox(of: bob.id, named: "Wrong") == nil)
        try await store.close()
    }

    @Test func envelopeToIsTheAddressTheMessageCameTo() async throws {
        let (store, bob, delivery) = try await setUp("""
            require ["envelope", "subaddress", "fileinto", "mailbox"];
            if envelope :detail "to" "lists" { fileinto :create "Lists"; }
            """)
        _ = try await deliver(delivery, store, "From: a@remote.test\nTo: bob+lists@example.test\nSubject: l\n\nx\n", to: "bob+lists@example.test")
        _ = try await deliver(delivery, store, "From: a@remote.test\nTo: bob@example.test\nSubject: p\n\nx\n")
        #expect(try await messages(store, bob, "Lists").count == 1)
        #expect(try await messages(store, bob, "INBOX").count == 1)
        try await store.close()
    }

    @Test func brokenOrRunawayScriptsDeliverToInbox() async throws {
        let (store, bob, delivery) = try await setUp("if header :is \"subject\" { discard; }")  // does not compile
        _ = try await deliver(delivery, store, Self.invoice)
        #expect(try await messages(store, bob, "INBOX").count == 1)
        try await store.putSieveScript(of: bob.id, name: "main", source: "require \"fileinto\"; fileinto \"Nowhere\";", at: Date())
        _ = try await deliver(delivery, store, Self.invoice)
        #expect(try await messages(store, bob, "INBOX").count == 2, "fileinto a missing mailbox without :create keeps")
        var limits = SieveLimits()
        limits.maxInstructions = 50
        var settings = SieveDeliverySettings()
        settings.limits = limits
        let bounded = LocalDelivery(store: store, sieve: SieveFilter(store: store, settings: settings))
        try await store.putSieveScript(of: bob.id, name: "main", source: String(repeating: "if true { discard; } ", count: 40), at: Date())
        _ = try await deliver(bounded, store, Self.invoice)
        #expect(try await messages(store, bob, "INBOX").count == 3, "the instruction bound keeps the message")
        try await store.close()
    }

    @Test func vacationIsSentOncePerSenderAndNeverToLists() async throws {
        let (store, _, delivery) = try await setUp("""
            require "vacation";
            vacation :days 7 :subject "不在のお知らせ" "休暇中です。I am away until Monday.";
            """)
        _ = try await deliver(delivery, store, Self.invoice)
        _ = try await deliver(delivery, store, Self.invoice)
        _ = try await deliver(delivery, store, "From: list@remote.test\nTo: bob@example.test\nList-Id: <x.remote.test>\nSubject: l\n\nx\n",
                              from: "list-bounces@remote.test")
        _ = try await deliver(delivery, store, "From: x@remote.test\nTo: bob@example.test\nAuto-Submitted: auto-replied\nSubject: a\n\nx\n",
                              from: "x@remote.test")
        _ = try await deliver(delivery, store, Self.invoice, from: nil)
        let queued = try await store.queuedMessages()
        #expect(queued.count == 1)
        let reply = try #require(queued.first)
        #expect(reply.mailFrom == nil && reply.recipients.map(\.address.description) == ["alice@remote.test"])
        let parsed = MIMEMessage(parsing: try await store.readBody(reply.body))
        #expect(parsed.header["Auto-Submitted"] == "auto-replied")
        #expect(parsed.header.subject == "不在のお知らせ")
        #expect(parsed.header.field("Subject")?.value.hasPrefix("=?") == true, "the Japanese subject is an encoded word")
        #expect(parsed.header.inReplyTo == ["m1@remote.test"])
        #expect(parsed.textBody?.contains("休暇中です。") == true)
        try await store.close()
    }

    @Test func redirectAndRejectGoThroughTheQueue() async throws {
        let (store, bob, delivery) = try await setUp("""
            require ["copy", "reject"];
            if header :is "subject" "fwd" { redirect :copy "archive@elsewhere.test"; }
            if header :is "subject" "spam" { reject "不要です"; }
            """)
        _ = try await deliver(delivery, store, "From: a@remote.test\nTo: bob@example.test\nSubject: fwd\n\nx\n")
        _ = try await deliver(delivery, store, "From: a@remote.test\nTo: bob@example.test\nSubject: spam\n\nx\n")
        #expect(try await messages(store, bob, "INBOX").count == 1, "redirect :copy keeps, reject does not")
        let queued = try await store.queuedMessages()
        #expect(Set(queued.flatMap(\.recipients).map(\.address.description)) == ["archive@elsewhere.test", "alice@remote.test"])
        #expect(queued.first { $0.recipients.first?.address.description == "archive@elsewhere.test" }?.mailFrom?.description == "alice@remote.test")
        try await store.close()
    }

    /// RFC 5293: the header the script left is what is stored (and what IMAP's summary shows).
    @Test func editheaderChangesTheStoredMessage() async throws {
        let (store, bob, delivery) = try await setUp("""
            require ["editheader", "fileinto", "mailbox"];
            deleteheader "message-id";
            addheader "X-Filed-By" "請求書フィルタ";
            addheader :last "X-Trailer" "yes";
            deleteheader "received";
            fileinto :create "Invoices";
            """)
        let message = "Received: from relay.remote.test by mx.example.test; Sat, 5 Dec 2026 10:00:00 +0900\n" + Self.invoice
        _ = try await deliver(delivery, store, message)
        let stored = try #require(try await messages(store, bob, "Invoices").first)
        let bytes = try await store.readBody(stored.body)
        let parsed = MIMEMessage(parsing: bytes)
        #expect(parsed.header.field("Message-ID") == nil)
        #expect(parsed.header["X-Filed-By"] == "請求書フィルタ")
        #expect(parsed.header.fields.last?.name == "X-Trailer")
        #expect(parsed.header.field("Received") != nil, "Received is protected (RFC 5293 §6)")
        #expect(parsed.header.fields.prefix(2).map(\.name) == ["Return-Path", "Delivered-To"])
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix("\r\n\r\nplease pay\r\n"))
        #expect(stored.size == Int64(bytes.count))
        try await store.close()
    }

    /// RFC 7352: the second copy of a Message-ID is discarded; tracking is per account and
    /// recorded only once a copy was delivered.
    @Test func duplicateDiscardsTheSecondCopy() async throws {
        let (store, bob, delivery) = try await setUp(#"require "duplicate"; if duplicate { discard; }"#)
        _ = try await deliver(delivery, store, Self.invoice)
        _ = try await deliver(delivery, store, Self.invoice)
        #expect(try await messages(store, bob, "INBOX").count == 1)
        let other = Self.invoice.replacingOccurrences(of: "<m1@remote.test>", with: "<m2@remote.test>")
        _ = try await deliver(delivery, store, other)
        #expect(try await messages(store, bob, "INBOX").count == 2)
        #expect(try await store.sieveDuplicateKeys(of: bob.id, at: Date(), limit: 10).count == 2)
        try await store.close()
    }
}
