import Foundation
import HatoTesting
import LocalDelivery
import MailCore
import MailStore
import MailStoreSQLite
import Testing

@Suite struct LocalDeliveryTests {
    let directory = try! TemporaryDirectory(prefix: "hato-delivery")

    func makeStore() async throws -> (SQLiteMailStore, Account, Account) {
        let store = try SQLiteMailStore(directory: directory.url)
        try await store.addDomain(try Domain("example.test"))
        let alice = try await store.addAccount(try EmailAddress("alice@example.test"), credentials: [], quota: .unlimited)
        let bob = try await store.addAccount(try EmailAddress("bob@example.test"), credentials: [], quota: Quota(maxMessages: 0))
        try await store.addAlias(Alias(source: try AliasSource("team@example.test"),
                                       targets: [try EmailAddress("alice@example.test"), try EmailAddress("out@elsewhere.test")]))
        return (store, alice, bob)
    }

    func inboxBodies(_ store: SQLiteMailStore, _ account: Account) async throws -> [String] {
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        var bodies: [String] = []
        for message in try await store.messages(in: inbox.id) {
            bodies.append(String(decoding: try await store.readBody(message.body), as: UTF8.self))
        }
        return bodies
    }

    @Test func deliversLocallyQueuesRemotelyAndReportsPerRecipient() async throws {
        let (store, alice, _) = try await makeStore()
        let delivery = LocalDelivery(store: store)
        let recipients = try await ["alice+news@example.test", "team@example.test", "bob@example.test"].asyncMap { text in
            let address = try EmailAddress(text)
            return AcceptedRecipient(address: address, resolution: try await store.resolveRecipient(address), dsn: DSNRequest(notify: .failure))
        }
        let message = Array("Subject: hi\r\n\r\nhello\r\n".utf8)
        let outcomes = await delivery.deliver(DeliveryRequest(
            mailFrom: try EmailAddress("sender@remote.test"), recipients: recipients,
            traceHeaders: "Received: from remote.test by mail.example.test; Mon, 23 Nov 2026 10:00:00 +0000\r\n",
            message: message, envelopeID: "E1"))
        let alicePair = try EmailAddress("alice@example.test")
        #expect(outcomes[0] == .delivered([alicePair]))
        guard case .queued(let id, let local) = outcomes[1] else { Issue.record("team@ should queue: \(outcomes[1])"); return }
        #expect(local == [alicePair], "alice reached through the alias counts as delivered")
        guard case .failed(.quotaExceeded) = outcomes[2] else { Issue.record("bob is over quota: \(outcomes[2])"); return }

        let bodies = try await inboxBodies(store, alice)
        #expect(bodies.count == 1, "one copy per account even when two recipients reach it")
        // alice and bob were both targets of this one body: it names neither (bob's quota failed).
        #expect(bodies.first?.hasPrefix("Return-Path: <sender@remote.test>\r\nReceived: from remote.test") == true)
        #expect(bodies.first?.hasSuffix("Subject: hi\r\n\r\nhello\r\n") == true)

        let queued = try #require(try await store.queuedMessage(id))
        #expect(queued.recipients.map(\.address.description) == ["out@elsewhere.test"])
        #expect(queued.recipients.first?.dsn.originalRecipient == OriginalRecipient(addressType: "rfc822", address: "team@example.test"))
        #expect(queued.recipients.first?.dsn.notify == .failure)
        #expect(queued.envelopeID == "E1")
        let queuedBody = String(decoding: try await store.readBody(queued.body), as: UTF8.self)
        #expect(queuedBody.hasPrefix("Received: from remote.test") && !queuedBody.contains("Return-Path"))
        try await store.close()
    }

    @Test func nullSenderGetsAnEmptyReturnPath() async throws {
        let (store, alice, _) = try await makeStore()
        let address = try EmailAddress("alice@example.test")
        let outcomes = await LocalDelivery(store: store).deliver(DeliveryRequest(
            mailFrom: nil, recipients: [AcceptedRecipient(address: address, resolution: try await store.resolveRecipient(address))],
            traceHeaders: "", message: Array("Subject: bounce\r\n\r\nx\r\n".utf8)))
        #expect(outcomes == [.delivered([address])])
        #expect(try await inboxBodies(store, alice).first?.hasPrefix("Return-Path: <>\r\nDelivered-To: alice@example.test\r\nSubject: bounce") == true)
        try await store.close()
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
