import Foundation
import HatoTesting
import Logging
import MailStore
import MailStorePostgres
import Testing

/// A fresh database of the shared test cluster, or nil (and the reason recorded in CI) when
/// PostgreSQL is not installed: the CI convention for peers (docs/scaling.md).
func testDatabase() async throws -> (PostgresTestCluster, String)? {
    guard let cluster = try await testCluster() else { return nil }
    return (cluster, try await cluster.createDatabase())
}

/// The shared test cluster, or nil (recorded as a failure in CI) without PostgreSQL.
func testCluster() async throws -> PostgresTestCluster? {
    guard PostgresTestCluster.available else {
        if PostgresTestCluster.requiredInCI { Issue.record("PostgreSQL 15 missing in CI: .ci/run installs postgresql") }
        return nil
    }
    return try await PostgresTestCluster.shared()
}

func openStore(_ cluster: PostgresTestCluster, _ database: String, maxConnections: Int = 4) -> PostgresMailStore {
    var options = PostgresMailStore.Options()
    options.maxConnections = maxConnections
    options.logger = Logger(label: "hato.store.test")
    return PostgresMailStore(
        connection: PostgresConnectionSettings(host: "127.0.0.1", port: cluster.port, username: cluster.user, password: cluster.password,
                                               database: database, tls: .disable),
        options: options)
}

/// The shared MailStore conformance suite, unchanged, against PostgreSQL: every check on a
/// database of its own.
@Suite struct PostgresConformanceTests {
    static let checks = MailStoreConformance.checks + MailStoreConformance.dkimChecks

    @Test(arguments: checks.map(\.0))
    func conformance(_ name: String) async throws {
        guard let cluster = try await testCluster() else { return }
        let suite = MailStoreConformance {
            openStore(cluster, try await cluster.createDatabase())
        }
        let check = try #require(Self.checks.first { $0.0 == name }?.1)
        try await check(suite)
    }
}
