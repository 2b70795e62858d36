import HatoTesting
import SASL
import Testing

/// The shared `LoginThrottle` rules (HatoTesting's LoginThrottleConformance) on the in-process
/// `AuthThrottle`; MailStorePostgresTests runs the same checks on the PostgreSQL throttle.
@Suite struct LoginThrottleConformanceTests {
    @Test(arguments: LoginThrottleConformance.checks.map(\.0))
    func inProcess(_ name: String) async throws {
        let suite = LoginThrottleConformance { configuration, clock in
            AuthThrottle(configuration: configuration, now: { .seconds(clock.seconds) })
        }
        let check = try #require(LoginThrottleConformance.checks.first { $0.0 == name }?.1)
        try await check(suite)
    }
}
