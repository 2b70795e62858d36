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

extension AuthThrottle {
    /// Begins an attempt that must be admitted.
    func admit(_ client: String, _ account: String, sourceLocation: SourceLocation = #_sourceLocation) -> Reservation? {
        switch begin(client: client, account: account) {
        case .admitted(let reservation): return reservation
        case .lockedOut(let refusal):
            Issue.record("refused: \(refusal)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// A whole wrong-password attempt; returns the delay its reply is held for.
    @discardableResult
    func fail(_ client: String, _ account: String) -> Duration? {
        admit(client, account).map { settle($0, .failedCredentialCheck) }
    }

    func isRefused(_ client: String, _ account: String) -> Bool {
        if case .lockedOut = begin(client: client, account: account) { return true }
        return false
    }
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
        #expect(throttle.fail("192.0.2.1", "tim") == .zero)
        #expect(throttle.fail("192.0.2.1", "tim") == .zero)
        #expect(throttle.check(client: "192.0.2.1", account: "tim") == .allow(delay: .seconds(1)), "the next attempt would wait")
        #expect(throttle.fail("192.0.2.1", "tim") == .seconds(1))
        #expect(throttle.fail("192.0.2.1", "tim") == .seconds(2))
        #expect(throttle.fail("192.0.2.1", "tim") == .seconds(3), "capped")
        #expect(throttle.check(client: "192.0.2.1", account: nil) == .lockedOut(retryAfter: .seconds(600)))
        clock.advance(.seconds(599))
        #expect(throttle.check(client: "192.0.2.99", account: "TIM") == .lockedOut(retryAfter: .seconds(1)), "account key, case-insensitive")
        #expect(throttle.isRefused("192.0.2.99", "Tim"))
        clock.advance(.seconds(1))
        #expect(throttle.check(client: "192.0.2.1", account: "tim") == .allow(delay: .zero), "cool-down over, count restarts")
        #expect(throttle.fail("192.0.2.1", "tim") == .zero)
    }

    /// The issue-16 race: attempts in flight count before any password is checked, so parallel
    /// guesses from one address get exactly `lockoutAfterFailures` credential checks.
    @Test func attemptsInFlightCountBeforeAnyIsSettled() {
        let throttle = throttle()
        var admitted: [AuthThrottle.Reservation] = []
        var refused = 0
        for _ in 0..<20 {
            switch throttle.begin(client: "192.0.2.1", account: "tim") {
            case .admitted(let reservation): admitted.append(reservation)
            case .lockedOut: refused += 1
            }
        }
        #expect(admitted.count == 10 && refused == 10)
        for reservation in admitted { throttle.settle(reservation, .failedCredentialCheck) }
        #expect(throttle.isRefused("192.0.2.1", "tim"), "the right password after the lock is refused too")
        #expect(throttle.isRefused("192.0.2.2", "tim"), "the account is locked from elsewhere")
    }

    /// Many addresses, one account: the account's count locks it after 10 attempts in all.
    @Test func distributedGuessesHitTheAccountLimit() {
        let throttle = throttle()
        var checked = 0
        for host in 2..<200 where !throttle.isRefused("198.51.100.\(host)", "tim") {
            // isRefused admitted (and counted) one attempt; settle it as a wrong guess.
            checked += 1
        }
        #expect(checked == 10)
        #expect(throttle.check(client: "198.51.100.250", account: "tim") == .lockedOut(retryAfter: .seconds(900)))
        #expect(throttle.check(client: "198.51.100.250", account: "ann") == .allow(delay: .zero), "other accounts unaffected")
    }

    /// The owner who logged in before from an address keeps getting in while the account is
    /// locked against everyone else; the address's own failures still count.
    @Test func knownGoodAddressIsExemptFromTheAccountLock() throws {
        let throttle = throttle(.init(lockoutAfterFailures: 10, knownClientDuration: .seconds(3600)))
        let login = try #require(throttle.admit("127.0.0.1", "tim"))
        #expect(throttle.settle(login, .success) == .zero)
        for host in 2...11 { throttle.fail("127.0.0.\(host)", "tim") }
        #expect(throttle.isRefused("127.0.0.12", "tim"), "locked for a new address")
        #expect(throttle.check(client: "127.0.0.1", account: "tim") == .allow(delay: .zero), "no account delay for the owner")
        let again = try #require(throttle.admit("127.0.0.1", "TIM"))
        throttle.settle(again, .success)
        #expect(throttle.isRefused("127.0.0.12", "tim"), "the owner's success does not unlock the account for others")
        for _ in 0..<10 { throttle.fail("127.0.0.1", "tim") }
        #expect(throttle.isRefused("127.0.0.1", "tim"), "a known address that keeps guessing is locked by its own count")
    }

    @Test func knownGoodExpires() throws {
        let throttle = throttle(.init(knownClientDuration: .seconds(60)))
        throttle.settle(try #require(throttle.admit("127.0.0.1", "tim")), .success)
        clock.advance(.seconds(61))
        for host in 2...11 { throttle.fail("127.0.0.\(host)", "tim") }
        #expect(throttle.isRefused("127.0.0.1", "tim"))
    }

    /// A success is held as long as a failure in its place, releases its reservation (the
    /// 10th attempt succeeding lifts the lock it triggered) and clears the address's count.
    @Test func successReleasesItsReservation() throws {
        let throttle = throttle(.init(delayAfterFailures: 2, lockoutAfterFailures: 3))
        throttle.fail("192.0.2.1", "tim")
        let first = try #require(throttle.admit("192.0.2.1", "tim"))
        let second = try #require(throttle.admit("192.0.2.1", "tim"))
        #expect(throttle.isRefused("192.0.2.1", "tim"), "two in flight and one failure reach the limit")
        #expect(throttle.settle(first, .failedCredentialCheck) == .seconds(1))
        #expect(throttle.settle(second, .success) == .seconds(2), "held like the third failure would be")
        #expect(throttle.check(client: "192.0.2.1", account: nil) == .allow(delay: .zero), "the address's count was cleared")
        #expect(throttle.check(client: "192.0.2.9", account: "tim") == .allow(delay: .seconds(2)), "the account keeps its two failures")
    }

    @Test func attemptsWithoutACheckAreReleasedAndAbandonedOnesStayCounted() throws {
        let throttle = throttle(.init(delayAfterFailures: 1, lockoutAfterFailures: 2))
        let cancelled = try #require(throttle.admit("192.0.2.1", "tim"))
        #expect(throttle.settle(cancelled, .noCheck) == .zero)
        #expect(throttle.trackedKeyCount == 0)
        _ = throttle.admit("192.0.2.1", "tim")  // the connection dropped mid-exchange
        _ = throttle.admit("192.0.2.1", "tim")
        #expect(throttle.isRefused("192.0.2.1", "tim"))
    }

    @Test func perClientCountingAcrossAccounts() {
        let throttle = throttle(.init(delayAfterFailures: 2, lockoutAfterFailures: 3))
        throttle.fail("198.51.100.7", "a")
        throttle.fail("198.51.100.7", "b")
        throttle.fail("198.51.100.7", "c")
        if case .lockedOut = throttle.check(client: "198.51.100.7", account: "d") {} else { Issue.record("client not locked") }
        #expect(throttle.check(client: "198.51.100.8", account: "a") == .allow(delay: .seconds(1)), "other client, one failure per account: the next is the second")
    }

    @Test func unknownAccountsAreCountedLikeKnownOnes() {
        // The limiter never sees whether an account exists: keys are the names attempted.
        let throttle = throttle(.init(delayAfterFailures: 1, lockoutAfterFailures: 2))
        for client in ["192.0.2.1", "192.0.2.2"] { throttle.fail(client, "ghost") }
        for client in ["192.0.2.3", "192.0.2.4"] { throttle.fail(client, "tim") }
        #expect(throttle.check(client: "192.0.2.5", account: "ghost") == throttle.check(client: "192.0.2.5", account: "tim"))
    }

    @Test func failuresFadeAfterAQuietPeriod() {
        let throttle = throttle(.init(delayAfterFailures: 1, forgetAfter: .seconds(60)))
        throttle.fail("192.0.2.1", "tim")
        clock.advance(.seconds(59))
        #expect(throttle.check(client: "192.0.2.1", account: nil) == .allow(delay: .seconds(2)))
        clock.advance(.seconds(1))
        #expect(throttle.check(client: "192.0.2.1", account: nil) == .allow(delay: .seconds(1)))
    }

    @Test func memoryIsBounded() throws {
        let throttle = throttle(.init(maximumTrackedKeys: 100))
        for index in 0..<500 {
            clock.advance(.milliseconds(1))
            let client = "10.0.\(index / 256).\(index % 256)"
            throttle.fail(client, "user\(index)")
            throttle.settle(try #require(throttle.admit(client, "own\(index)")), .success)
        }
        #expect(throttle.trackedKeyCount <= 100)
        #expect(throttle.knownClientCount <= 100)
    }

    /// `auth.benchmark_throttle_exempt`: a listed (loopback) address is never delayed or locked,
    /// however many logins it has in flight or gets wrong; every other address still is.
    @Test func exemptClientIsNeverThrottled() {
        var configuration = AuthThrottle.Configuration(delayAfterFailures: 2, lockoutAfterFailures: 3)
        configuration.exemptClients = ["127.0.0.1"]
        let throttle = throttle(configuration)
        let inFlight = (0..<50).compactMap { _ in throttle.admit("127.0.0.1", "bench@example.test") }
        #expect(inFlight.count == 50 && inFlight.allSatisfy { $0.delay == .zero })
        for reservation in inFlight { #expect(throttle.settle(reservation, .failedCredentialCheck) == .zero) }
        #expect(throttle.check(client: "127.0.0.1", account: "bench@example.test") == .allow(delay: .zero))
        #expect(!throttle.isRefused("127.0.0.1", "bench@example.test"))
        for _ in 0..<3 { throttle.fail("127.0.0.2", "other@example.test") }
        #expect(throttle.isRefused("127.0.0.2", "other@example.test"))
    }
}
