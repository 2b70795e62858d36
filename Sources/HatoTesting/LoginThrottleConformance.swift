import Foundation
import SASL

/// A wall clock the test moves by hand (seconds since 1970), for the throttle and counter checks.
public final class ManualWallClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time: Double
    public init(_ start: Double = 1_800_000_000) { time = start }
    public var seconds: Double { lock.withLock { time } }
    public var date: Date { Date(timeIntervalSince1970: seconds) }
    public func advance(_ by: Double) { lock.withLock { time += by } }
}

/// The rules of `AuthThrottle` checked through `LoginThrottle`, against every implementation (the
/// in-process one and the shared PostgreSQL one): lock at the configured count and lift after
/// the duration, reservations counted while in flight, success and no-check settling, known-good
/// pairs, stale reservations, exempt addresses. `make` builds a throttle with fresh counts on
/// the given clock.
public struct LoginThrottleConformance: Sendable {
    public typealias Make = @Sendable (AuthThrottle.Configuration, ManualWallClock) async throws -> any LoginThrottle
    let make: Make

    public init(_ make: @escaping Make) { self.make = make }

    public static let checks: [(String, @Sendable (LoginThrottleConformance) async throws -> Void)] = [
        ("lockAndCoolDown", { try await $0.lockAndCoolDown() }),
        ("reservationsInFlightCount", { try await $0.reservationsInFlightCount() }),
        ("successAndKnownClients", { try await $0.successAndKnownClients() }),
        ("staleReservationTouchesNothing", { try await $0.staleReservationTouchesNothing() }),
        ("exemptClients", { try await $0.exemptClients() }),
    ]

    static func admit(_ throttle: any LoginThrottle, _ client: String, _ account: String, file: StaticString = #file,
                      line: UInt = #line) async throws -> AuthThrottle.Reservation {
        switch try await throttle.begin(client: client, account: account) {
        case .admitted(let reservation): return reservation
        case .lockedOut(let retry): throw ConformanceFailure("\(client) \(account) refused (\(retry))", file: file, line: line)
        }
    }

    static func fail(_ throttle: any LoginThrottle, _ client: String, _ account: String, file: StaticString = #file,
                     line: UInt = #line) async throws -> Duration {
        await throttle.settle(try await admit(throttle, client, account, file: file, line: line), .failedCredentialCheck)
    }

    static func refused(_ throttle: any LoginThrottle, _ client: String, _ account: String) async throws -> Bool {
        if case .lockedOut = try await throttle.begin(client: client, account: account) { return true }
        return false
    }

    /// Delays from the third failure, doubling, capped; locked at the fifth for 600 s, on the
    /// address and (case-insensitively) on the account; the count starts again afterwards.
    public func lockAndCoolDown() async throws {
        let clock = ManualWallClock()
        let throttle = try await make(.init(delayAfterFailures: 3, lockoutAfterFailures: 5, initialDelay: .seconds(1),
                                            maximumDelay: .seconds(3), lockoutDuration: .seconds(600)), clock)
        try require(try await throttle.check(client: "192.0.2.1", account: "tim") == .allow(delay: .zero), "nothing counted yet")
        try require(try await Self.fail(throttle, "192.0.2.1", "tim") == .zero, "first failure, no delay")
        try require(try await Self.fail(throttle, "192.0.2.1", "tim") == .zero, "second failure, no delay")
        try require(try await throttle.check(client: "192.0.2.1", account: "tim") == .allow(delay: .seconds(1)), "the next would wait")
        try require(try await Self.fail(throttle, "192.0.2.1", "tim") == .seconds(1), "third failure held 1 s")
        try require(try await Self.fail(throttle, "192.0.2.1", "tim") == .seconds(2), "fourth held 2 s")
        try require(try await Self.fail(throttle, "192.0.2.1", "tim") == .seconds(3), "fifth held 3 s (capped)")
        try require(try await throttle.check(client: "192.0.2.1", account: nil) == .lockedOut(retryAfter: .seconds(600)), "address locked")
        clock.advance(599)
        try require(try await throttle.check(client: "192.0.2.99", account: "TIM") == .lockedOut(retryAfter: .seconds(1)),
                    "account locked, any case, from any address")
        try require(try await Self.refused(throttle, "192.0.2.99", "Tim"), "begin refuses a locked account")
        clock.advance(1)
        try require(try await throttle.check(client: "192.0.2.1", account: "tim") == .allow(delay: .zero), "lock over, count restarts")
        try require(try await Self.fail(throttle, "192.0.2.1", "tim") == .zero, "counting again from one")
    }

    /// Attempts in flight count as failures: of five parallel guesses at a limit of three, three
    /// are admitted; releasing them without a check (`noCheck`) lifts the lock they made.
    public func reservationsInFlightCount() async throws {
        let throttle = try await make(.init(delayAfterFailures: 3, lockoutAfterFailures: 3), ManualWallClock())
        let outcomes = await withTaskGroup(of: AuthThrottle.Reservation?.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    if case .admitted(let reservation) = try? await throttle.begin(client: "192.0.2.7", account: "ann") { return reservation }
                    return nil
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let admitted = outcomes.compactMap { $0 }
        try require(admitted.count == 3, "three of five parallel attempts admitted (\(admitted.count))")
        for reservation in admitted {
            try require(await throttle.settle(reservation, .noCheck) == .zero, "no check, no delay")
        }
        try require(try await throttle.check(client: "192.0.2.7", account: "ann") == .allow(delay: .zero), "released: nothing counted")
    }

    /// A success clears the address's count but not the account's, and makes the pair known:
    /// when others lock the account, its owner's address still gets in.
    public func successAndKnownClients() async throws {
        let throttle = try await make(.init(delayAfterFailures: 2, lockoutAfterFailures: 3, initialDelay: .seconds(1),
                                            lockoutDuration: .seconds(600)), ManualWallClock())
        try require(try await Self.fail(throttle, "192.0.2.1", "tim") == .zero, "one failure")
        let right = try await Self.admit(throttle, "192.0.2.1", "tim")
        try require(await throttle.settle(right, .success) == .seconds(1), "a success is held like the failure it could have been")
        try require(try await throttle.check(client: "192.0.2.1", account: nil) == .allow(delay: .zero), "the address's count was cleared")
        try require(try await throttle.check(client: "192.0.2.9", account: "tim") == .allow(delay: .seconds(1)), "the account keeps its failure")
        _ = try await Self.fail(throttle, "198.51.100.1", "tim")
        _ = try await Self.fail(throttle, "198.51.100.2", "tim")
        try require(try await throttle.check(client: "198.51.100.9", account: "tim") == .lockedOut(retryAfter: .seconds(600)), "account locked")
        try require(try await throttle.check(client: "198.51.100.9", account: "ann") == .allow(delay: .zero), "other accounts unaffected")
        try require(try await throttle.check(client: "192.0.2.1", account: "TIM") == .allow(delay: .zero), "the known address is not locked out")
        let owner = try await Self.admit(throttle, "192.0.2.1", "tim")
        _ = await throttle.settle(owner, .success)
    }

    /// A reservation whose entry faded (forget_after) and started again does not touch the new one.
    public func staleReservationTouchesNothing() async throws {
        let clock = ManualWallClock()
        let throttle = try await make(.init(delayAfterFailures: 2, lockoutAfterFailures: 10, initialDelay: .seconds(1),
                                            forgetAfter: .seconds(3600)), clock)
        let old = try await Self.admit(throttle, "192.0.2.3", "lee")
        clock.advance(3601)
        let new = try await Self.admit(throttle, "192.0.2.3", "lee")
        _ = await throttle.settle(old, .failedCredentialCheck)
        _ = await throttle.settle(new, .noCheck)
        try require(try await throttle.check(client: "192.0.2.3", account: "lee") == .allow(delay: .zero),
                    "the old reservation counted nothing on the new entry")
    }

    /// Exempt (benchmark) addresses are never counted, delayed or locked.
    public func exemptClients() async throws {
        var configuration = AuthThrottle.Configuration(delayAfterFailures: 2, lockoutAfterFailures: 2)
        configuration.exemptClients = ["127.0.0.1"]
        let throttle = try await make(configuration, ManualWallClock())
        for _ in 0..<5 { try require(try await Self.fail(throttle, "127.0.0.1", "bench") == .zero, "never delayed") }
        try require(try await throttle.check(client: "127.0.0.1", account: "bench") == .allow(delay: .zero), "never locked")
        try require(try await throttle.check(client: "192.0.2.1", account: "bench") == .allow(delay: .zero), "nothing counted on the account")
    }
}
