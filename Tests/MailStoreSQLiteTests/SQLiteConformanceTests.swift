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
