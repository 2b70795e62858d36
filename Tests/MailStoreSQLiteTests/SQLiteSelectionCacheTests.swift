import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import Testing

/// SELECT's states come from a per-mailbox cache kept by the store's own writes
/// (`MessageStateCache`); they must always be what reading the mailbox gives
/// (`messageStates(in:)` reads the index every time).
@Suite struct SQLiteSelectionCacheTests {
    private func fixture(_ root: TemporaryDirectory) async throws -> (SQLiteMailStore, MailboxID, MailboxID) {
        let store = try SQLiteMailStore(directory: root.url)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("a@example.test"), credentials: [], quota: .unlimited)
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        let other = try await store.createMailbox(of: account.id, named: "Other", specialUse: nil)
        for n in 0..<12 {
            _ = try await store.append(AppendRequest(bytes: Array("Subject: \(n)\r\n\r\nbody \(n)\r\n".utf8)), to: inbox.id)
        }
        return (store, inbox.id, other.id)
    }

    private func expectSelectionMatchesIndex(_ store: SQLiteMailStore, _ mailbox: MailboxID, _ step: String) async throws {
        let selection = try #require(try await store.selection(of: mailbox))
        let read = try await store.messageStates(in: mailbox)
        #expect(selection.messages == read, "after \(step)")
        let row = try #require(try await store.mailbox(id: mailbox))
        #expect(selection.mailbox == row, "after \(step)")
    }

    @Test func selectionFollowsEveryKindOfWrite() async throws {
        let root = try TemporaryDirectory(prefix: "hato-sqlite")
        let (store, inbox, other) = try await fixture(root)
        try await expectSelectionMatchesIndex(store, inbox, "appends")  // read and kept
        try await expectSelectionMatchesIndex(store, inbox, "nothing")  // from the cache
        _ = try await store.setFlags(in: inbox, uids: [2, 5, 7], change: .add(MessageFlags(system: .deleted, keywords: ["$x", "a"])),
                                     unchangedSince: nil)
        try await expectSelectionMatchesIndex(store, inbox, "STORE")
        _ = try await store.setFlags(in: inbox, uids: [5], change: .remove(MessageFlags(system: .deleted)), unchangedSince: nil)
        try await expectSelectionMatchesIndex(store, inbox, "STORE -FLAGS")
        #expect(try await store.expunge(in: inbox, uids: nil) == [2, 7])
        try await expectSelectionMatchesIndex(store, inbox, "EXPUNGE")
        _ = try await store.append(AppendRequest(bytes: Array("Subject: new\r\n\r\nnew\r\n".utf8),
                                                 flags: MessageFlags(system: .seen, keywords: ["k"])), to: inbox)
        try await expectSelectionMatchesIndex(store, inbox, "APPEND")
        try await expectSelectionMatchesIndex(store, other, "nothing in Other")
        _ = try await store.copy(uids: [1, 3, 4], from: inbox, to: other, claimingRecent: false)
        try await expectSelectionMatchesIndex(store, other, "COPY")
        _ = try await store.move(uids: [1, 3], from: inbox, to: other, claimingRecent: false)
        try await expectSelectionMatchesIndex(store, inbox, "MOVE (source)")
        try await expectSelectionMatchesIndex(store, other, "MOVE (target)")
        _ = try await store.expunge(in: other, uids: [1])
        try await expectSelectionMatchesIndex(store, other, "UID EXPUNGE")
        try await store.close()
        withExtendedLifetime(root) {}
    }

    /// Another process writing the same store (`hato` admin commands beside `hato serve`)
    /// is not seen by this one's cache: the mailbox row's HIGHESTMODSEQ tells.
    @Test func anotherProcessesWritesAreSeen() async throws {
        let root = try TemporaryDirectory(prefix: "hato-sqlite")
        let (store, inbox, _) = try await fixture(root)
        let second = try SQLiteMailStore(directory: root.url)
        try await expectSelectionMatchesIndex(store, inbox, "appends")
        _ = try await second.setFlags(in: inbox, uids: [3], change: .add(MessageFlags(system: .flagged)), unchangedSince: nil)
        try await expectSelectionMatchesIndex(store, inbox, "STORE by another process")
        // This process's next write starts from a state its cache never saw.
        _ = try await store.setFlags(in: inbox, uids: [4], change: .add(MessageFlags(system: .seen)), unchangedSince: nil)
        try await expectSelectionMatchesIndex(store, inbox, "STORE here after one there")
        _ = try await second.append(AppendRequest(bytes: Array("Subject: there\r\n\r\nx\r\n".utf8)), to: inbox)
        _ = try await store.expunge(in: inbox, uids: [4])
        try await expectSelectionMatchesIndex(store, inbox, "APPEND there, EXPUNGE here")
        try await second.close()
        try await store.close()
        withExtendedLifetime(root) {}
    }

    /// Many writers at once: their results are answered in any order, and the cache still
    /// ends where the store is.
    @Test func concurrentWritersLeaveTheCacheRight() async throws {
        let root = try TemporaryDirectory(prefix: "hato-sqlite")
        let (store, inbox, _) = try await fixture(root)
        try await expectSelectionMatchesIndex(store, inbox, "appends")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for uid in 1...UInt32(12) {
                group.addTask {
                    _ = try await store.setFlags(in: inbox, uids: [uid], change: .add(MessageFlags(system: .seen)), unchangedSince: nil)
                    _ = try await store.selection(of: inbox)
                }
            }
            for n in 0..<6 {
                group.addTask {
                    _ = try await store.append(AppendRequest(bytes: Array("Subject: c\(n)\r\n\r\nx\r\n".utf8)), to: inbox)
                }
            }
            try await group.waitForAll()
        }
        try await expectSelectionMatchesIndex(store, inbox, "concurrent writes")
        try await store.close()
        withExtendedLifetime(root) {}
    }
}
