import Dispatch
import Synchronization
import Testing
@testable import SASL

/// Password checks (PBKDF2) are bounded process-wide: at most `limit` run, at most `queue` wait,
/// the rest fail at once as a temporary failure (docs/authentication.md).
@Suite struct PasswordCheckGateTests {
    /// A check that holds its slot until the test lets it go.
    final class Latch: Sendable {
        let semaphore = DispatchSemaphore(value: 0)
        let started = Mutex(0)
        func work() -> Bool {
            started.withLock { $0 += 1 }
            semaphore.wait()
            return true
        }
    }

    @Test func atMostLimitRunAndAtMostQueueWait() async throws {
        let gate = PasswordCheckGate(limit: 2, queue: 1)
        let latch = Latch()
        var running: [Task<Bool?, Never>] = []
        for _ in 0..<3 { running.append(Task { await gate.run { latch.work() } }) }
        // A slot is taken on admission; the work starts on its thread a moment later.
        while gate.load != (running: 2, waiting: 1) || latch.started.withLock({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(latch.started.withLock { $0 } == 2, "two run, the third waits")
        #expect(await gate.run { true } == nil, "a fourth finds the queue full and is refused at once")
        for _ in 0..<3 { latch.semaphore.signal() }
        for task in running { #expect(await task.value == true) }
        #expect(latch.started.withLock { $0 } == 3, "the waiting check ran once a slot was free")
        #expect(gate.load == (running: 0, waiting: 0))
    }

    @Test func plainLoginWithAFullGateIsATemporaryFailureNotAFailedGuess() async throws {
        let gate = PasswordCheckGate(limit: 1, queue: 0)
        let latch = Latch()
        let holder = Task { await gate.run { latch.work() } }
        while gate.load.running != 1 { try await Task.sleep(for: .milliseconds(5)) }
        var configuration = Fixture.configuration()
        configuration.passwordChecks = gate
        var busy = PlainMechanism(lookup: try Fixture.lookup(), configuration: configuration)
        let refused = await busy.start(initialResponse: "\u{0}tim\u{0}tanstaaftanstaaf".bytes)
        #expect(refused == .failure(.temporaryFailure))
        #expect(refused.failure?.isFailedCredentialCheck == false, "the throttle does not count it")
        latch.semaphore.signal()
        _ = await holder.value
        var free = PlainMechanism(lookup: try Fixture.lookup(), configuration: configuration)
        #expect(await free.start(initialResponse: "\u{0}tim\u{0}tanstaaftanstaaf".bytes).identity?.username == "tim")
    }

    /// A burst of checks is followed by one heap trim once the gate has been idle for the delay;
    /// a trim never runs while checks are in flight, and a few checks are no burst.
    @Test func oneHeapTrimOnceABurstSubsides() async throws {
        let trim = HeapTrimAfterBurst(minimumChecks: 4, delay: .milliseconds(100))
        let gate = PasswordCheckGate(limit: 2, queue: 16, heapTrim: trim)
        _ = await gate.run { true }
        try await Task.sleep(for: .milliseconds(300))
        #expect(trim.trims == 0, "one check is no burst")
        let latch = Latch()
        var running: [Task<Bool?, Never>] = []
        for _ in 0..<6 { running.append(Task { await gate.run { latch.work() } }) }
        while latch.started.withLock({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(trim.trims == 0, "no trim while checks run")
        for _ in 0..<6 { latch.semaphore.signal() }
        for task in running { _ = await task.value }
        for _ in 0..<250 where trim.trims == 0 { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(trim.trims == 1, "one trim per burst")
    }
}
