import Foundation
import MailStore

extension MailStoreConformance {
    /// RFC 4467 §2.2 mailbox access keys: none until made; made once (a second candidate does
    /// not replace the first); per account and per mailbox; RESETKEY of a mailbox replaces its key,
    /// RESETKEY without one removes them all; a mailbox of another account is refused; a deleted
    /// mailbox's key goes with it.
    public func urlAuthKeys() async throws {
        let (store, alice, bob) = try await storeWithAccounts()
        let inbox = try await inbox(store, alice)
        let work = try await store.createMailbox(of: alice.id, named: "Work", specialUse: nil)
        let bobInbox = try await self.inbox(store, bob)
        let first = [UInt8](repeating: 1, count: 16), second = [UInt8](repeating: 2, count: 16)
        try require(try await store.urlAuthKey(of: alice.id, mailbox: inbox.id) == nil, "no key before the first GENURLAUTH")
        try require(try await store.urlAuthKey(of: alice.id, mailbox: inbox.id, creatingWith: first) == first, "the candidate is stored")
        try require(try await store.urlAuthKey(of: alice.id, mailbox: inbox.id, creatingWith: second) == first, "an existing key is kept")
        try require(try await store.urlAuthKey(of: alice.id, mailbox: inbox.id) == first, "read back")
        try require(try await store.urlAuthKey(of: alice.id, mailbox: work.id) == nil, "per mailbox")
        try require(try await store.urlAuthKey(of: bob.id, mailbox: bobInbox.id) == nil, "per account")
        try await requireThrows(MailStoreError.mailboxNotFound("id \(bobInbox.id)")) {
            _ = try await store.urlAuthKey(of: alice.id, mailbox: bobInbox.id, creatingWith: first)
        }
        try await requireThrows(MailStoreError.mailboxNotFound("id \(bobInbox.id)")) {
            try await store.resetURLAuthKey(of: alice.id, mailbox: bobInbox.id, to: second)
        }

        try await store.resetURLAuthKey(of: alice.id, mailbox: inbox.id, to: second)
        try require(try await store.urlAuthKey(of: alice.id, mailbox: inbox.id) == second, "RESETKEY mailbox replaces the key")
        _ = try await store.urlAuthKey(of: alice.id, mailbox: work.id, creatingWith: first)
        _ = try await store.urlAuthKey(of: bob.id, mailbox: bobInbox.id, creatingWith: first)
        try await store.resetURLAuthKey(of: alice.id, mailbox: nil, to: nil)
        try require(try await store.urlAuthKey(of: alice.id, mailbox: inbox.id) == nil, "RESETKEY removes every key of the account")
        try require(try await store.urlAuthKey(of: alice.id, mailbox: work.id) == nil, "RESETKEY removes every key of the account")
        try require(try await store.urlAuthKey(of: bob.id, mailbox: bobInbox.id) == first, "another account's keys stay")

        _ = try await store.urlAuthKey(of: alice.id, mailbox: work.id, creatingWith: second)
        try await store.deleteMailbox(work.id)
        let again = try await store.createMailbox(of: alice.id, named: "Work", specialUse: nil)
        try require(try await store.urlAuthKey(of: alice.id, mailbox: again.id) == nil, "a deleted mailbox's key goes with it")
    }
}
