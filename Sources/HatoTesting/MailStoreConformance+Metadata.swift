import Foundation
import MailStore

extension MailStoreConformance {
    /// RFC 5464 METADATA entries: per account, on a mailbox or the server; SETMETADATA is all or
    /// nothing (§4.3), TOOMANY counts the account's entries; entries go with a deleted mailbox,
    /// follow RENAME, and are copied (and kept) when INBOX is renamed (§4.1).
    public func metadata() async throws {
        let (store, alice, bob) = try await storeWithAccounts()
        let inbox = try await inbox(store, alice)
        let work = try await store.createMailbox(of: alice.id, named: "Work", specialUse: nil)
        try await store.setMetadata([MetadataChange(name: "/private/comment", value: Array("My own comment".utf8)),
                                     MetadataChange(name: "/Shared/Comment", value: [0, 1, 0xFF])],
                                    of: alice.id, mailbox: inbox.id, maxEntries: 5)
        try await store.setMetadata([MetadataChange(name: "/shared/comment", value: Array("server".utf8))],
                                    of: alice.id, mailbox: nil, maxEntries: 5)
        let entries = try await store.metadata(of: alice.id, mailbox: inbox.id)
        try require(entries == [MetadataEntry(name: "/private/comment", value: Array("My own comment".utf8)),
                                MetadataEntry(name: "/shared/comment", value: [0, 1, 0xFF])],
                    "mailbox entries by name, lowercase, binary kept: \(entries)")
        try require(try await store.metadata(of: alice.id, mailbox: nil) == [MetadataEntry(name: "/shared/comment", value: Array("server".utf8))],
                    "server entries apart from mailbox ones")
        try require(try await store.metadata(of: bob.id, mailbox: nil).isEmpty, "another account sees none")
        try require(try await store.metadata(of: alice.id, mailbox: work.id).isEmpty, "another mailbox has none")

        // Replace one, remove one; an empty value is a value.
        try await store.setMetadata([MetadataChange(name: "/private/comment", value: []), MetadataChange(name: "/shared/comment", value: nil)],
                                    of: alice.id, mailbox: inbox.id, maxEntries: 5)
        try require(try await store.metadata(of: alice.id, mailbox: inbox.id) == [MetadataEntry(name: "/private/comment", value: [])],
                    "replaced and removed")

        // TOOMANY: the account holds 2 entries; 4 more would make 6 of 5, so none is kept.
        do {
            try await store.setMetadata((1...4).map { MetadataChange(name: "/private/n\($0)", value: [1]) },
                                        of: alice.id, mailbox: work.id, maxEntries: 5)
            throw ConformanceFailure("more entries than the limit were kept")
        } catch MailStoreError.metadataTooMany(limit: 5) {}
        try require(try await store.metadata(of: alice.id, mailbox: work.id).isEmpty, "a refused SETMETADATA changes nothing")
        try await store.setMetadata((1...3).map { MetadataChange(name: "/private/n\($0)", value: [1]) },
                                    of: alice.id, mailbox: work.id, maxEntries: 5)
        // Bob's mailbox is not Alice's.
        let bobInbox = try await self.inbox(store, bob)
        do {
            try await store.setMetadata([MetadataChange(name: "/private/x", value: [1])], of: alice.id, mailbox: bobInbox.id, maxEntries: 5)
            throw ConformanceFailure("entries were set on another account's mailbox")
        } catch MailStoreError.mailboxNotFound {}

        // RENAME keeps them; DELETE takes them; a new mailbox of the old name has none.
        try await store.renameMailbox(work.id, to: "Projects")
        try require(try await store.metadata(of: alice.id, mailbox: work.id).count == 3, "entries follow RENAME")
        try await store.deleteMailbox(work.id)
        let again = try await store.createMailbox(of: alice.id, named: "Projects", specialUse: nil)
        try require(try await store.metadata(of: alice.id, mailbox: again.id).isEmpty, "a new mailbox inherits nothing")
        try await store.setMetadata((1...4).map { MetadataChange(name: "/private/n\($0)", value: [1]) },
                                    of: alice.id, mailbox: again.id, maxEntries: 6)

        // RENAME INBOX: the new mailbox gets a copy, INBOX keeps its own.
        try await store.renameMailbox(inbox.id, to: "Old")
        guard let old = try await store.mailbox(of: alice.id, named: "Old") else { throw ConformanceFailure("no Old after RENAME INBOX") }
        try require(try await store.metadata(of: alice.id, mailbox: old.id) == [MetadataEntry(name: "/private/comment", value: [])],
                    "copied to the renamed INBOX")
        try require(try await store.metadata(of: alice.id, mailbox: inbox.id) == [MetadataEntry(name: "/private/comment", value: [])],
                    "INBOX keeps its entries")
        try await store.close()
    }
}
