import Foundation
import HatoTesting
import MailStore
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
