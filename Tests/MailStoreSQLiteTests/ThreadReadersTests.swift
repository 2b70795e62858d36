import Foundation
import HatoTesting
import MailCore
import MailStore
@testable import MailStoreSQLite
import GRDB
import Synchronization
import Testing

/// The read-only connections of threads that read inline (`ThreadReaders`, a session step on its
/// event loop): what such a read returns must be what the pool's readers return, the latest
/// commit of this process or of another one (`hato domain add` beside `hato serve`).
@Suite struct ThreadReadersTests {
    private func message(_ n: Int) -> [UInt8] { Array("Subject: \(n)\r\n\r\nbody \(n)\r\n".utf8) }

    @Test func inlineReadsSeeEveryCommitOfThisStoreAndOfAnother() async throws {
        let root = try TemporaryDirectory(prefix: "hato-thread-readers")
        let store = try SQLiteMailStore(directory: root.url)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("a@example.test"), credentials: [], quota: .unlimited)
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX")).id
        // Another process's store on the same directory (the admin commands do this).
        let other = try SQLiteMailStore(directory: root.url)
        try await BlockingIO.$briefReadsInline.withValue(true) {
            for n in 1...5 {
                _ = try await store.append(AppendRequest(bytes: message(n)), to: inbox)
                #expect(try await store.messageStates(in: inbox).count == n)
                #expect(try await store.mailbox(id: inbox)?.uidNext == UInt32(n + 1))
                #expect(try await store.readBodies(try await store.messages(in: inbox).map(\.body)).last == message(n))
                let domain = try Domain("d\(n).example")
                #expect(try await store.isLocalDomain(domain) == false)
                try await other.addDomain(domain)
                #expect(try await store.isLocalDomain(domain), "a domain another store added is seen at once")
            }
        }
        let opened = store.threadReaders.count
        #expect(opened >= 1 && opened <= 8, "the inline reads went through thread connections: \(opened)")
        try await other.close()
        try await store.close()
        #expect(store.threadReaders.count == 0)
        await #expect(throws: (any Error).self, "a closed store refuses inline reads too") {
            try await BlockingIO.$briefReadsInline.withValue(true) { _ = try await store.mailbox(id: inbox) }
        }
        withExtendedLifetime(root) {}
    }

    /// Threads past the limit get no connection of their own (the caller reads from the pool),
    /// and each thread keeps the one it opened.
    @Test func threadsPastTheLimitGetNone() throws {
        let root = try TemporaryDirectory(prefix: "hato-thread-readers-limit")
        let store = try SQLiteMailStore(directory: root.url)
        let readers = ThreadReaders(path: root.url.appendingPathComponent("hato.sqlite").path, busyTimeout: 1, limit: 1)
        let query = { @Sendable (db: GRDB.Database) throws -> Int in try Int.fetchOne(db, sql: "SELECT 1") ?? 0 }
        #expect(try readers.unsafeRead(query) == 1)
        #expect(try readers.read(query) == 1)
        #expect(readers.count == 1)
        let result = Mutex<Int??>(nil)
        let thread = Thread { result.withLock { $0 = .some(try? readers.unsafeRead(query)) } }
        thread.start()
        while result.withLock({ $0 == nil }) { usleep(1000) }
        #expect(result.withLock { $0 } == .some(nil), "a second thread is over the limit of one")
        #expect(readers.count == 1)
        try readers.close()
        #expect(try readers.unsafeRead(query) == nil, "closed: nothing is read on a thread connection")
        withExtendedLifetime((root, store)) {}
    }
}
