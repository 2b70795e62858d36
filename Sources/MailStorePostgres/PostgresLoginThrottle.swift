import Foundation
import Logging
import MailStore
import PostgresNIO
import SASL

/// The login throttle shared by every node on one database (`auth_throttle`, `auth_known_clients`,
/// schema step 11; docs/scaling.md "Login throttle and rate limits across nodes"): the rules of
/// `AuthThrottle` with the counts in PostgreSQL, so ten wrong passwords spread over three nodes
/// lock the account as ten on one node would. Each call is one statement (one round trip) running
/// one of the `hato_auth_*` functions under row locks.
///
/// When the database cannot be reached, or does not answer within `timeout` (`auth.shared_throttle_timeout`:
/// a database that hangs after start-up would otherwise hold every login as long as the pool
/// waits), the calls throw and the login is refused as a temporary failure (fail closed,
/// `LoginThrottle`): the credentials live in the same database, so nothing could be checked
/// anyway, and an outage never becomes a window for unthrottled guessing. An attempt given up
/// that way is not a guess: a `begin` the database carries out after its time limit is settled
/// at once as "no check", so its reservation is released.
public final class PostgresLoginThrottle: LoginThrottle {
    public static let defaultTimeout: Duration = .seconds(5)
    public let configuration: AuthThrottle.Configuration
    let store: PostgresMailStore
    let now: @Sendable () -> Double
    let pruning: PruneSchedule
    let timeout: Duration

    /// `now` is seconds since 1970 (the nodes' clocks, kept in step by NTP like the queue leases);
    /// tests pass a manual clock.
    public init(store: PostgresMailStore, configuration: AuthThrottle.Configuration, timeout: Duration = defaultTimeout,
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.store = store
        self.configuration = configuration
        self.now = now
        self.timeout = timeout
        pruning = PruneSchedule()
    }

    public func check(client: String, account: String?) async throws -> AuthThrottle.Decision {
        if configuration.exemptClients.contains(client) { return .allow(delay: .zero) }
        let time = now(), account = account?.lowercased(), limits = Limits(configuration)
        let store = self.store
        let (retryAfter, count) = try await Deadline.run(timeout) { try await store.statement { db -> (Double?, Int) in
            let row = try await db.all("""
                SELECT retry_after, max_count FROM hato_auth_check(\(client), \(account), \(time), \(limits.lockout),
                    \(limits.lockoutSeconds), \(limits.forgetSeconds))
                """).first
            return try row.map { try $0.decode((Double?, Int).self) } ?? (nil, 0)
        } }
        if let retryAfter { return .lockedOut(retryAfter: .seconds(max(0, retryAfter))) }
        return .allow(delay: configuration.delay(forFailures: count + 1))
    }

    public func begin(client: String, account: String) async throws -> AuthThrottle.Admission {
        let account = account.lowercased()
        if configuration.exemptClients.contains(client) {
            return .admitted(AuthThrottle.Reservation(client: client, account: account, delay: .zero, counted: [:]))
        }
        let time = now(), limits = Limits(configuration), prune = pruning.due(at: time), store = self.store
        let admission = try await Deadline.run(timeout, late: { [self] (late: AuthThrottle.Admission) in
            // Counted after the login was already refused as a temporary failure: not a guess.
            if case .admitted(let reservation) = late { _ = await settle(reservation, .noCheck) }
        }) { [configuration] in
            let rows = try await store.statement { db -> [(String?, Int, Int64, Double?)] in
                try await db.all("""
                    SELECT counted_key, counted, counted_generation, retry_after FROM hato_auth_begin(\(client), \(account), \(time),
                        \(limits.lockout), \(limits.lockoutSeconds), \(limits.forgetSeconds), \(prune), \(limits.maxKeys))
                    """).map { try $0.decode((String?, Int, Int64, Double?).self) }
            }
            return Self.admission(rows, client: client, account: account, configuration: configuration)
        }
        return admission
    }

    static func admission(_ rows: [(String?, Int, Int64, Double?)], client: String, account: String,
                          configuration: AuthThrottle.Configuration) -> AuthThrottle.Admission {
        if let retryAfter = rows.compactMap(\.3).max() { return .lockedOut(retryAfter: .seconds(max(0, retryAfter))) }
        var counted: [AuthThrottle.Key: UInt64] = [:]
        var delay = Duration.zero
        for (key, count, generation, _) in rows {
            guard let key = key.flatMap(AuthThrottle.Key.init(storageKey:)) else { continue }
            counted[key] = UInt64(bitPattern: generation)
            delay = max(delay, configuration.delay(forFailures: count))
        }
        return .admitted(AuthThrottle.Reservation(client: client, account: account, delay: delay, counted: counted))
    }

    public func settle(_ reservation: AuthThrottle.Reservation, _ outcome: AuthThrottle.Outcome) async -> Duration {
        let code = switch outcome {
        case .failedCredentialCheck: 0
        case .success: 1
        case .noCheck: 2
        }
        let keys = reservation.counted.keys.map(\.storageKey)
        let generations = reservation.counted.keys.map { Int64(bitPattern: reservation.counted[$0] ?? 0) }
        let time = now(), limits = Limits(configuration), knownUntil = time + configuration.knownClientDuration.storeSeconds
        let client = reservation.client, account = reservation.account
        if !keys.isEmpty || outcome == .success, !configuration.exemptClients.contains(client) {
            let store = self.store
            do {
                try await Deadline.run(timeout) {
                    try await store.statement { db in
                        try await db.run("""
                            SELECT hato_auth_settle(\(keys), \(generations), \(code), \(client), \(account), \(time),
                                \(limits.lockout), \(limits.forgetSeconds), \(knownUntil))
                            """)
                    }
                }
            } catch {
                // The reservation stays counted as a failure until it fades (forget_after).
                store.logger.warning("login throttle: could not settle an attempt", metadata: ["error": "\(error)"])
            }
        }
        return outcome == .noCheck ? .zero : reservation.delay
    }

    /// The configuration as the SQL functions take it.
    struct Limits {
        let lockout: Int
        let lockoutSeconds: Double
        let forgetSeconds: Double
        let maxKeys: Int

        init(_ configuration: AuthThrottle.Configuration) {
            lockout = configuration.lockoutAfterFailures
            lockoutSeconds = configuration.lockoutDuration.storeSeconds
            forgetSeconds = configuration.forgetAfter.storeSeconds
            maxKeys = configuration.maximumTrackedKeys
        }
    }
}

/// When a node last asked a shared-count statement to prune expired rows: at most once a minute
/// per node and table, riding on a check it makes anyway (no extra round trip).
final class PruneSchedule: @unchecked Sendable {
    static let interval: Double = 60
    private let lock = NSLock()
    private var last: Double?

    func due(at time: Double) -> Bool {
        lock.withLock {
            if let last, time - last < Self.interval, time >= last { return false }
            last = time
            return true
        }
    }
}

extension PostgresMailStore {
    /// One statement on a pooled connection, outside an explicit transaction (the statement is
    /// its own), retried like `transaction` on a deadlock or serialization failure.
    func statement<Result: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await waitUntilReady()
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in try await body(connection) }
            } catch let error as PSQLError where attempt < 3 && Self.isRetryable(error) {
                continue
            } catch {
                throw MailStoreError.io("database: \(Self.describe(error))")
            }
        }
    }
}
