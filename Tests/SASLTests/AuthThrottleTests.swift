import Foundation
import Testing
@testable import SASL

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time = Duration.zero
    var now: Duration { lock.withLock { time } }
    func advance(_ by: Duration) { lock.withLock { time += by } }
}

@Suite struct AuthThrottleTests {
    let clock = ManualClock()
    func throttle(_ configuration: AuthThrottle.Configuration = .init()) -> AuthThrottle {
        let clock = clock
        return AuthThrottle(configuration: configuration, now: { clock.now })
    }

    @Test func delaysAfterNThenLocksOutAfterM() {
        let throttle = throttle(.init(delayAfterFailures: 3, lockoutAfterFailures: 5, initialDelay: .seconds(1),
                                      maximumDelay: .seconds(3), lockoutDuration: .seconds(600)))
        #expect(throttle.check(client: "192.0.2.1", account: "tim") == .allow(delay: .zero))
        #expect(throttle.recordFailure(client: "192.0.2.1", account: "tim") == .zero)
        #expect(throttle.recordFailure(client: "192.0.2.1", account: "tim") == .zero)
        #expect(throttle.recordFailure(client: "192.0.2.1", account: "tim") == .seconds(1))
        #expect(throttle.check(client: "192.0.2.1", account: "tim") == .allow(delay: .seconds(1)))
        #expect(throttle.recordFailure(client: "192.0.2.1", account: "tim") == .seconds(2))
        #expect(throttle.recordFailure(client: "192.0.2.1", account: "tim") == .seconds(3), "capped")
        #expect(throttle.check(client: "192.0.2.1", account: nil) == .lockedOut(retryAfter: .seconds(600)))
        clock.advance(.seconds(599))
        #expect(throttle.check(client: "192.0.2.99", account: "TIM") == .lockedOut(retryAfter: .seconds(1)), "account key, case-insensitive")
        clock.advance(.seconds(1))
        #expect(throttle.check(client: "192.0.2.1", account: "tim") == .allow(delay: .zero), "cool-down over, count restarts")
        #expect(throttle.recordFailure(client: "192.0.2.1", account: "tim") == .zero)
    }

    @Test func perClientCountingAcrossAccounts() {
        let throttle = throttle(.init(delayAfterFailures: 2, lockoutAfterFailures: 3))
        throttle.recordFailure(client: "198.51.100.7", account: "a")
        throttle.recordFailure(client: "198.51.100.7", account: "b")
        throttle.recordFailure(client: "198.51.100.7", account: "c")
        if case .lockedOut = throttle.check(client: "198.51.100.7", account: "d") {} else { Issue.record("client not locked") }
        #expect(throttle.check(client: "198.51.100.8", account: "a") == .allow(delay: .zero), "other client, one failure per account")
    }

    @Test func unknownAccountsAreCountedLikeKnownOnes() {
        // The limiter never sees whether an account exists: keys are the names attempted.
        let throttle = throttle(.init(delayAfterFailures: 1, lockoutAfterFailures: 2))
        for client in ["192.0.2.1", "192.0.2.2"] { throttle.recordFailure(client: client, account: "ghost") }
        for client in ["192.0.2.3", "192.0.2.4"] { throttle.recordFailure(client: client, account: "tim") }
        #expect(throttle.check(client: "192.0.2.5", account: "ghost") == throttle.check(client: "192.0.2.5", account: "tim"))
    }

    @Test func successResetsBothKeys() {
        let throttle = throttle(.init(delayAfterFailures: 2, lockoutAfterFailures: 5))
        throttle.recordFailure(client: "192.0.2.1", account: "tim")
        throttle.recordFailure(client: "192.0.2.1", account: "tim")
        #expect(throttle.check(client: "192.0.2.1", account: "tim") == .allow(delay: .seconds(1)))
        throttle.recordSuccess(client: "192.0.2.1", account: "tim")
        #expect(throttle.check(client: "192.0.2.1", account: "tim") == .allow(delay: .zero))
        #expect(throttle.trackedKeyCount == 0)
    }

    @Test func failuresFadeAfterAQuietPeriod() {
        let throttle = throttle(.init(delayAfterFailures: 1, forgetAfter: .seconds(60)))
        throttle.recordFailure(client: "192.0.2.1", account: nil)
        clock.advance(.seconds(59))
        #expect(throttle.check(client: "192.0.2.1", account: nil) == .allow(delay: .seconds(1)))
        clock.advance(.seconds(1))
        #expect(throttle.check(client: "192.0.2.1", account: nil) == .allow(delay: .zero))
    }

    @Test func memoryIsBounded() {
        let throttle = throttle(.init(maximumTrackedKeys: 100))
        for index in 0..<500 {
            clock.advance(.milliseconds(1))
            throttle.recordFailure(client: "10.0.\(index / 256).\(index % 256)", account: nil)
        }
        #expect(throttle.trackedKeyCount <= 100)
    }
}
