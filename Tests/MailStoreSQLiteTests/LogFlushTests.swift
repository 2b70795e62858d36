import Foundation
import HatoTesting
import MailCore
import MailStore
import MailStoreSQLite
import Testing

/// When the group commit flushes SQLite's write-ahead log (`LogFlusher`, docs/storage.md
/// "Durability"): every delivery and append is answered only after a flush; flag changes and
/// expunges are answered at COMMIT unless `sync_mailbox_changes`; an expunge that removes body
/// files flushes before it unlinks them; and the writer connection stays at synchronous = FULL
/// for writes outside the group commit.
@Suite struct LogFlushTests {
    private func open(_ root: TemporaryDirectory, sync: Bool = false, inlineLimit: Int = 65_536) async throws -> (SQLiteMailStore, MailboxID) {
        var options = SQLiteMailStore.Options()
        options.syncMailboxChanges = sync
        options.inlineBodyLimit = inlineLimit
        let store = try SQLiteMailStore(directory: root.url, options: options)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("a@example.test"), credentials: [], quota: .unlimited)
        return (store, try #require(try await store.mailbox(of: account.id, named: "INBOX")).id)
    }

    private func append(_ store: SQLiteMailStore, _ inbox: MailboxID, _ n: Int) async throws -> AppendResult {
        try await store.append(AppendRequest(bytes: Array("Subject: \(n)\r\n\r\nbody \(n)\r\n".utf8)), to: inbox)
    }

    @Test func everyAppendIsAnsweredAfterAFlush() async throws {
        let root = try TemporaryDirectory(prefix: "hato-flush")
        let (store, inbox) = try await open(root)
        for n in 1...3 {
            let before = await store.logFlushCount()
            _ = try await append(store, inbox, n)
            #expect(await store.logFlushCount() == before + 1, "append \(n) answered without its own flush")
        }
        #expect(try await store.synchronousMode() == 2)
        try await store.close()
    }

    @Test func flagChangesAndExpungesSkipTheFlushUnlessConfigured() async throws {
        for sync in [false, true] {
            let root = try TemporaryDirectory(prefix: "hato-flush")
            let (store, inbox) = try await open(root, sync: sync)
            let uid = try await append(store, inbox, 1).uid
            let before = await store.logFlushCount()
            let result = try await store.setFlags(in: inbox, uids: [uid], change: .add(MessageFlags(system: .deleted)), unchangedSince: nil)
            #expect(result.updated.first?.flags.system.contains(.deleted) == true)
            #expect(try await store.expunge(in: inbox, uids: nil) == [uid])
            #expect(await store.logFlushCount() == before + (sync ? 2 : 0), "sync_mailbox_changes = \(sync)")
            // The relaxed commits left the writer at FULL for writes outside the group commit.
            #expect(try await store.synchronousMode() == 2)
            // And the next append is flushed, which makes the relaxed commits before it durable too.
            _ = try await append(store, inbox, 2)
            #expect(await store.logFlushCount() == before + (sync ? 3 : 1))
            #expect(try await store.messages(in: inbox).count == 1)
            try await store.close()
        }
    }

    /// A row must never outlive its body after a power failure: the expunge that removes a body
    /// file flushes the log first (its own commit was relaxed), then unlinks the file.
    @Test func expungeOfAFileBodyFlushesBeforeTheFileGoes() async throws {
        let root = try TemporaryDirectory(prefix: "hato-flush")
        let (store, inbox) = try await open(root, inlineLimit: 0)
        let stored = try await append(store, inbox, 1)
        let message = try #require(try await store.messages(in: inbox).first { $0.uid == stored.uid })
        let file = root.url.appendingPathComponent("messages").appendingPathComponent(message.body.path)
        #expect(FileManager.default.fileExists(atPath: file.path))
        _ = try await store.setFlags(in: inbox, uids: [stored.uid], change: .add(MessageFlags(system: .deleted)), unchangedSince: nil)
        let before = await store.logFlushCount()
        #expect(try await store.expunge(in: inbox, uids: nil) == [stored.uid])
        #expect(await store.logFlushCount() == before + 1)
        #expect(!FileManager.default.fileExists(atPath: file.path))
        try await store.close()
    }

    /// Concurrent appends are each answered with their own result after a flush (how many share
    /// one depends on scheduling: at least one flush, never more than one per append).
    @Test func concurrentAppendsAreEachAnsweredAfterAFlush() async throws {
        let root = try TemporaryDirectory(prefix: "hato-flush")
        let (store, inbox) = try await open(root)
        let before = await store.logFlushCount()
        let uids = try await withThrowingTaskGroup(of: UInt32.self) { group in
            for n in 0..<64 { group.addTask { try await append(store, inbox, n).uid } }
            return try await group.reduce(into: Set<UInt32>()) { $0.insert($1) }
        }
        #expect(uids.count == 64)
        let flushes = await store.logFlushCount() - before
        #expect(flushes >= 1 && flushes <= 64)
        #expect(try await store.messages(in: inbox).count == 64)
        try await store.close()
    }
}
