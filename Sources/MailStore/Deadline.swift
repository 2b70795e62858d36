import Foundation

/// A time limit on a call to a store that may hang (the shared PostgreSQL database after start-up:
/// a network partition, a stopped server), for the callers that must answer a client in time
/// whatever the database does: the login throttle (fails closed) and the `[rate]` counts (fall
/// back to per-node counting). docs/scaling.md "Login throttle and rate limits across nodes".
///
/// `run` returns `body`'s outcome, or throws `Deadline.Passed` as soon as `limit` has passed; then
/// `body`'s task is cancelled (a connection still waited for from a pool is given up; a statement
/// already sent runs to its end when the database answers). `late` is called with a value `body`
/// produced after the limit had passed, so the caller can undo what it no longer waits for.
public enum Deadline {
    public struct Passed: Error, CustomStringConvertible {
        public let limit: Duration
        public var description: String { "no answer within \(limit)" }
    }

    public static func run<T: Sendable>(_ limit: Duration, late: (@Sendable (T) async -> Void)? = nil,
                                        _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let gate = ResumeOnce<T>()
        return try await withCheckedThrowingContinuation { continuation in
            gate.set(continuation)
            let work = Task {
                do {
                    let value = try await body()
                    if !gate.resume(.success(value)), let late { await late(value) }
                } catch {
                    gate.resume(.failure(error))
                }
            }
            let timer = Task {
                try await Task.sleep(for: limit)
                if gate.resume(.failure(Passed(limit: limit))) { work.cancel() }
            }
            gate.onResume { timer.cancel() }
        }
    }
}

/// A continuation resumed exactly once, by whichever of the work and the timer comes first.
final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var done = false
    private var cleanup: (@Sendable () -> Void)?

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        lock.withLock { self.continuation = continuation }
    }

    /// Registers what to do after the resume (cancelling the timer); runs at once when resumed already.
    func onResume(_ body: @escaping @Sendable () -> Void) {
        let now = lock.withLock {
            if done { return true }
            cleanup = body
            return false
        }
        if now { body() }
    }

    /// Resumes the continuation unless it was resumed already; returns whether this call did.
    @discardableResult
    func resume(_ outcome: Result<T, any Error>) -> Bool {
        let (taken, after): (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) = lock.withLock {
            guard !done else { return (nil, nil) }
            done = true
            defer { continuation = nil; cleanup = nil }
            return (continuation, cleanup)
        }
        guard let taken else { return false }
        taken.resume(with: outcome)
        after?()
        return true
    }
}
