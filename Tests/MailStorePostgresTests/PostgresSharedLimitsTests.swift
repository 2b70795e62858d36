import Foundation
import HatoTesting
import MailStore
import MailStorePostgres
import SASL
import Testing

/// The login throttle and `[rate]` counts in PostgreSQL (schema step 11): the same conformance
/// checks as the in-process implementations, two stores ("nodes") on one database counting
/// together, and what a node does when the database is away (docs/scaling.md).
@Suite struct PostgresSharedLimitsTests {
    /// The time limit on throttle calls in the tests that are not about it: the first call on a
    /// new database creates the schema, and the full suite loads the machine.
    static let generous: Duration = .seconds(120)

    @Test(arguments: LoginThrottleConformance.checks.map(\.0))
    func throttleConformance(_ name: String) async throws {
        guard let cluster = try await testCluster() else { return }
        let suite = LoginThrottleConformance { configuration, clock in
            PostgresLoginThrottle(store: openStore(cluster, try await cluster.createDatabase()), configuration: configuration,
                                  timeout: Self.generous, now: { clock.seconds })
        }
        let check = try #require(LoginThrottleConformance.checks.first { $0.0 == name }?.1)
        try await check(suite)
    }

    @Test(arguments: RateCounterStoreConformance.checks.map(\.0))
    func rateConformance(_ name: String) async throws {
        guard let cluster = try await testCluster() else { return }
        let suite = RateCounterStoreConformance {
            PostgresRateCounters(store: openStore(cluster, try await cluster.createDatabase()), maxKeys: 1000)
        }
        let check = try #require(RateCounterStoreConformance.checks.first { $0.0 == name }?.1)
        try await check(suite)
    }

    /// Above `maxKeys` rows the once-a-minute prune drops the oldest: a key filled to its limit
    /// a minute ago is forgotten (admitted again, as a new key), where without the prune its
    /// previous window would still refuse it.
    @Test func pruneBoundsTheRateTable() async throws {
        guard let cluster = try await testCluster() else { return }
        let store = openStore(cluster, try await cluster.createDatabase())
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let bounded = PostgresRateCounters(store: store, maxKeys: 10)
        for index in 0..<30 {
            #expect(try await bounded.admitRate(scope: "connections", key: "k\(index)", limit: 1, cost: 1, window: 60,
                                                now: start.addingTimeInterval(Double(index) / 100)))
        }
        let unbounded = PostgresRateCounters(store: store, maxKeys: 1000)
        #expect(!(try await unbounded.admitRate(scope: "connections", key: "k29", limit: 1, cost: 1, window: 60, now: start.addingTimeInterval(61))),
                "without a prune the previous window still counts")
        #expect(try await bounded.admitRate(scope: "connections", key: "k0", limit: 1, cost: 1, window: 60, now: start.addingTimeInterval(61)),
                "the prune dropped the oldest keys above the bound")
        try await store.close()
    }

    /// Two nodes' throttles on one database, twelve parallel guesses split between them against
    /// a limit of four: four admitted in all, and the lock is seen by both.
    @Test func twoNodesShareOneCount() async throws {
        guard let (cluster, database) = try await testDatabase() else { return }
        let configuration = AuthThrottle.Configuration(delayAfterFailures: 4, lockoutAfterFailures: 4)
        let nodes = [openStore(cluster, database), openStore(cluster, database)].map {
            PostgresLoginThrottle(store: $0, configuration: configuration, timeout: Self.generous)
        }
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<12 {
                group.addTask {
                    if case .admitted = try? await nodes[index % 2].begin(client: "192.0.2.\(index)", account: "tim") { return true }
                    return false
                }
            }
            return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(admitted == 4)
        for node in nodes {
            guard case .lockedOut = try await node.check(client: "203.0.113.1", account: "TIM") else {
                Issue.record("the account is locked on every node")
                continue
            }
        }
    }

    /// The database is unreachable: the throttle throws (the login is refused as a temporary
    /// failure, fail closed) and a rate check throws (RateLimitStage falls back to this node's counts).
    @Test func unreachableDatabaseThrows() async throws {
        guard let cluster = try await testCluster() else { return }
        let store = PostgresMailStore(
            connection: PostgresConnectionSettings(host: "127.0.0.1", port: try PostgresTestCluster.freePort(), username: cluster.user, password: cluster.password,
                                                   database: "none", tls: .disable))
        let throttle = PostgresLoginThrottle(store: store, configuration: .init())
        await #expect(throws: (any Error).self) { try await throttle.begin(client: "192.0.2.1", account: "tim") }
        await #expect(throws: (any Error).self) { try await throttle.check(client: "192.0.2.1", account: nil) }
        let rates = PostgresRateCounters(store: store, maxKeys: 1000)
        await #expect(throws: (any Error).self) {
            try await rates.admitRate(scope: "connections", key: "192.0.2.1", limit: 1, cost: 1, window: 60, now: Date())
        }
    }
}
