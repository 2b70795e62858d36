import Testing
@testable import SASL

/// A `LoginThrottle` whose shared counts cannot be reached (docs/scaling.md "Login throttle and
/// rate limits across nodes"): every login fails closed, as a temporary failure (454 4.7.0,
/// NO [UNAVAILABLE]), before any credential is read.
final class UnreachableThrottle: LoginThrottle {
    struct Unreachable: Error {}
    let configuration = AuthThrottle.Configuration()
    let checkFails: Bool
    init(checkFails: Bool) { self.checkFails = checkFails }

    func check(client: String, account: String?) async throws -> AuthThrottle.Decision {
        if checkFails { throw Unreachable() }
        return .allow(delay: .zero)
    }
    func begin(client: String, account: String) async throws -> AuthThrottle.Admission { throw Unreachable() }
    func settle(_ reservation: AuthThrottle.Reservation, _ outcome: AuthThrottle.Outcome) async -> Duration { .zero }
}

/// Fails the test if the credentials are read.
struct UntouchedLookup: SASLCredentialLookup {
    func credentials(for username: String) async throws -> SASLAccountCredentials? {
        Issue.record("credentials read for \(username) although the throttle could not count the attempt")
        return nil
    }
}

@Suite struct LoginThrottleUnreachableTests {
    @Test func checkFailsBeforeTheExchange() async throws {
        let result = await SASLServerExchange.begin(
            mechanism: "PLAIN", policy: SASLPolicy(), tlsActive: true, loopback: false, throttle: UnreachableThrottle(checkFails: true),
            client: "192.0.2.1", lookup: UntouchedLookup(), configuration: Fixture.configuration())
        guard case .failure(.temporaryFailure) = result else {
            Issue.record("expected a temporary failure, got \(result)")
            return
        }
    }

    @Test func beginFailsBeforeTheCredentialsAreRead() async throws {
        let result = await SASLServerExchange.begin(
            mechanism: "PLAIN", policy: SASLPolicy(), tlsActive: true, loopback: false, throttle: UnreachableThrottle(checkFails: false),
            client: "192.0.2.1", lookup: UntouchedLookup(), configuration: Fixture.configuration())
        guard case .success(var exchange) = result else {
            Issue.record("the exchange starts: \(result)")
            return
        }
        let action = await exchange.start(initialResponse: SASLBase64.encode(Array("\0user\0pencil".utf8)))
        guard case .failure(.temporaryFailure) = action else {
            Issue.record("expected a temporary failure, got \(action)")
            return
        }
    }

    @Test func passwordLoginFailsClosed() async throws {
        let attempt = AuthAttempt(throttle: UnreachableThrottle(checkFails: false), client: "192.0.2.1")
        let action = await SASLPasswordLogin.verify(username: "user", password: "pencil", lookup: UntouchedLookup(),
                                                    configuration: Fixture.configuration(), attempt: attempt)
        guard case .failure(.temporaryFailure) = action else {
            Issue.record("expected a temporary failure, got \(action)")
            return
        }
        #expect(await attempt.settle(action) == .zero, "nothing reserved, nothing to hold")
    }
}
