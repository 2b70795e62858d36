import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStorePostgres
import Testing

/// RFC 5465 NOTIFY across nodes: the account-level feed (`mailboxListChanges`) of one node hears
/// the mailbox creations, renames, subscriptions, METADATA changes and deletions made on another,
/// in commit order, including a notice too large for a NOTIFY payload (stored in
/// `change_notices`).
@Suite struct PostgresAccountFeedTests {
    @Test(.timeLimit(.minutes(2))) func anotherNodesMailboxChangesArrive() async throws {
        guard let test = try await testDatabase() else { return }
        let (cluster, database) = test
        let nodeA = openStore(cluster, database)
        let nodeB = openStore(cluster, database)
        try await nodeA.waitUntilReady()
        try await nodeB.waitUntilReady()
        try await nodeA.addDomain(try Domain("example.test"))
        let account = try await nodeA.addAccount(try EmailAddress("alice@example.test"), credentials: [], quota: .unlimited)
        let stream = nodeA.mailboxListChanges(account: account.id)

        let work = try await nodeB.createMailbox(of: account.id, named: "Work", specialUse: nil)
        try await nodeB.renameMailbox(work.id, to: "Play")
        try await nodeB.setSubscribed(true, account: account.id, name: "Play")
        // Entry names long enough that the notice passes PostgreSQL's 8000-octet payload limit.
        let entries = (0..<10).map { "/private/" + String(repeating: "x", count: 900) + "\($0)" }
        try await nodeB.setMetadata(entries.map { MetadataChange(name: $0, value: [1]) }, of: account.id, mailbox: work.id, maxEntries: 100)
        try await nodeB.deleteMailbox(work.id)

        let expected: [MailboxListChange] = [
            .created(name: "Work"), .renamed(from: "Work", to: "Play"), .subscription(name: "Play", subscribed: true),
            .metadata(mailbox: "Play", entries: entries), .deleted(name: "Play"),
        ]
        var heard: [MailboxListChange] = []
        var iterator = stream.makeAsyncIterator()
        for _ in expected { if let change = await iterator.next() { heard.append(change) } }
        #expect(heard == expected)
        try await nodeA.close()
        try await nodeB.close()
    }
}
