import Foundation
import MailStore

extension MailStoreConformance {
    /// The account-level change feed (RFC 5465 NOTIFY: MailboxName, SubscriptionChange,
    /// MailboxMetadataChange, ServerMetadataChange): every creation, rename, deletion,
    /// (un)subscription and METADATA change of the account, in commit order, and nothing of
    /// another account's. Renaming INBOX creates the new mailbox (§5.4).
    public func mailboxListFeed() async throws {
        let (store, alice, bob) = try await storeWithAccounts()
        let stream = store.mailboxListChanges(account: alice.id)
        let bobStream = store.mailboxListChanges(account: bob.id)
        let work = try await store.createMailbox(of: alice.id, named: "Work", specialUse: nil)
        try await store.renameMailbox(work.id, to: "Play")
        try await store.setSubscribed(true, account: alice.id, name: "Play")
        try await store.setMetadata([MetadataChange(name: "/private/Comment", value: Array("x".utf8))], of: alice.id,
                                    mailbox: work.id, maxEntries: 10)
        try await store.setMetadata([MetadataChange(name: "/shared/comment", value: nil)], of: alice.id, mailbox: nil, maxEntries: 10)
        try await store.setSubscribed(false, account: alice.id, name: "Play")
        try await store.deleteMailbox(work.id)
        try await store.renameMailbox(try await inbox(store, alice).id, to: "Old")
        // A refused change tells nobody.
        _ = try? await store.createMailbox(of: alice.id, named: "Old", specialUse: nil)
        _ = try await store.createMailbox(of: bob.id, named: "Bobs", specialUse: nil)
        _ = try await store.createMailbox(of: alice.id, named: "Last", specialUse: nil)

        let expected: [MailboxListChange] = [
            .created(name: "Work"), .renamed(from: "Work", to: "Play"), .subscription(name: "Play", subscribed: true),
            .metadata(mailbox: "Play", entries: ["/private/comment"]), .metadata(mailbox: nil, entries: ["/shared/comment"]),
            .subscription(name: "Play", subscribed: false), .deleted(name: "Play"), .created(name: "Old"), .created(name: "Last"),
        ]
        var iterator = stream.makeAsyncIterator()
        var heard: [MailboxListChange] = []
        for _ in expected { if let change = await iterator.next() { heard.append(change) } }
        try require(heard == expected, "account feed in commit order: \(heard)")
        var bobIterator = bobStream.makeAsyncIterator()
        let bobFirst = await bobIterator.next()
        try require(bobFirst == .created(name: "Bobs"), "another account's feed hears only its own: \(String(describing: bobFirst))")
        try await store.close()
    }
}
