import Foundation
import HatoTesting
import MailStore
import MailCore
import MailStoreSQLite
import Testing

/// Runs the shared MailStore conformance suite against the embedded SQLite store.
@Suite struct SQLiteConformanceTests {
    @Test(arguments: MailStoreConformance.checks.map(\.0))
    func conformance(_ name: String) async throws {
        let root = try TemporaryDirectory(prefix: "hato-sqlite")
        let suite = MailStoreConformance {
            try SQLiteMailStore(directory: root.url.appendingPathComponent(UUID().uuidString))
        }
        let check = try #require(MailStoreConformance.checks.first { $0.0 == name }?.1)
        try await check(suite)
        withExtendedLifetime(root) {}
    }
}

@Suite struct SQLiteDurabilityTests {
    /// GRDB's WAL set-up switches connections to synchronous=NORMAL, which would let a power loss
    /// take acknowledged appends; the store must put FULL back on the writer.
    @Test func writerCommitsWithSynchronousFull() async throws {
        let root = try TemporaryDirectory(prefix: "hato-sqlite")
        let store = try SQLiteMailStore(directory: root.url)
        #expect(try await store.synchronousMode() == 2)
        try await store.close()
    }
}

@Suite struct SQLiteGroupCommitTests {
    /// Writes from many sessions at once share commits (and so the WAL fsync of each), and every
    /// one is still answered with its own result once its commit returned.
    @Test func concurrentFlagChangesShareCommits() async throws {
        let root = try TemporaryDirectory(prefix: "hato-sqlite")
        let store = try SQLiteMailStore(directory: root.url)
        try await store.addDomain(try Domain("example.test"))
        let account = try await store.addAccount(try EmailAddress("a@example.test"), credentials: [], quota: .unlimited)
        let inbox = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
        for n in 0..<64 {
            _ = try await store.append(AppendRequest(bytes: Array("Subject: \(n)\r\n\r\nbody\r\n".utf8)), to: inbox.id)
        }
        let (commitsBefore, writesBefore) = await store.groupCommitCounts()
        #expect(writesBefore == 64)
        let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
            for uid in 1...UInt32(64) {
                group.addTask {
                    let result = try await store.setFlags(in: inbox.id, uids: [uid], change: .add(MessageFlags(system: .seen)),
                                                          unchangedSince: nil)
                    return result.updated.map(\.uid) == [uid] && result.updated[0].flags.system.contains(.seen)
                }
            }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(answered == 64)
        let (commits, writes) = await store.groupCommitCounts()
        #expect(writes - writesBefore == 64)
        #expect(commits - commitsBefore < 64, "64 concurrent writes took \(commits - commitsBefore) commits")
        #expect(try await store.messages(in: inbox.id).allSatisfy { $0.flags.system.contains(.seen) })
        try await store.close()
        withExtendedLifetime(root) {}
    }
}
