import Foundation
import HatoTesting
import MailStore
import MailStoreSQLite
import Testing

/// The DKIM key part of the conformance suite, against the embedded SQLite store.
@Suite struct SQLiteDKIMKeyStoreTests {
    @Test(arguments: MailStoreConformance.dkimChecks.map(\.0))
    func conformance(_ name: String) async throws {
        let root = try TemporaryDirectory(prefix: "hato-sqlite-dkim")
        let suite = MailStoreConformance {
            try SQLiteMailStore(directory: root.url.appendingPathComponent(UUID().uuidString))
        }
        let check = try #require(MailStoreConformance.dkimChecks.first { $0.0 == name }?.1)
        try await check(suite)
        withExtendedLifetime(root) {}
    }
}
