import Testing

/// For tests that load the machine on purpose (floods, 10,000 connections, 100 MB messages):
/// at most `width` of them run at once. Swift Testing starts every test of the suite together,
/// and on two cores the abuse tests side by side starved the rest of the suite of CPU for
/// seconds at a time, so lookups and waits in unrelated tests timed out (issue 16). Suites that
/// start real peers (clamd, rspamd, spamd, gpg key generation, PostgreSQL, unbound, Chromium,
/// several `hato serve`) are heavy too: with all of them starting at once, the first minute of
/// a full run starved in-process servers until 60-second client timeouts passed.
struct HeavyTestTrait: SuiteTrait, TestTrait, TestScoping {
    static let width = 2
    private static let gate = Gate(width: width)

    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        // The suite itself holds no slot; each of its tests (and each case of a parameterized
        // test) takes one.
        guard testCase != nil else { return try await function() }
        await Self.gate.enter()
        do {
            try await function()
        } catch {
            await Self.gate.leave()
            throw error
        }
        await Self.gate.leave()
    }

    /// A counting semaphore whose waiters are resumed in arrival order.
    actor Gate {
        private var free: Int
        private var waiting: [CheckedContinuation<Void, Never>] = []

        init(width: Int) { free = width }

        func enter() async {
            if free > 0 { free -= 1; return }
            await withCheckedContinuation { waiting.append($0) }
        }

        func leave() {
            if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
        }
    }
}

extension Trait where Self == HeavyTestTrait {
    /// Runs the test with at most `HeavyTestTrait.width` other heavy tests.
    static var heavy: Self { HeavyTestTrait() }
}
