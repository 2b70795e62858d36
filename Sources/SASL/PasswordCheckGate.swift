// A password check (PLAIN, LOGIN, IMAP LOGIN, POP3 USER/PASS) derives the stored key with PBKDF2:
// milliseconds of CPU each, by design. A flood of logins (from many addresses, so the per-client
// throttle does not stop it) would take every thread of Swift's cooperative pool and starve the
// sessions that share it — on a two-core VPS, SMTP stops answering. So password checks run off
// that pool, at most `limit` at once, and at most `queue` wait; past that a check fails at once
// as a temporary failure (RFC 4954 §6 454 4.7.0, IMAP NO [UNAVAILABLE], POP3 -ERR [SYS/TEMP]),
// which a real user's client retries. One gate for the whole process: CPU is shared by all
// listeners (`auth.max_concurrent_password_checks`, `auth.password_check_queue`).

import Dispatch
import Foundation
import Synchronization

public final class PasswordCheckGate: Sendable {
    /// The process's gate; `hato serve` sizes it from the configuration at start.
    public static let shared = PasswordCheckGate()

    private struct State {
        var limit: Int
        var queue: Int
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>
    private let workers = DispatchQueue(label: "hato.password-checks", qos: .userInitiated, attributes: .concurrent)
    /// Gives a login burst's freed memory back to the kernel once the gate is idle again.
    public let heapTrim: HeapTrimAfterBurst

    /// `limit` 0: as many as the machine has cores.
    public init(limit: Int = 0, queue: Int = 256, heapTrim: HeapTrimAfterBurst = HeapTrimAfterBurst()) {
        state = Mutex(State(limit: Self.effective(limit), queue: max(0, queue)))
        self.heapTrim = heapTrim
    }

    public func configure(limit: Int, queue: Int) {
        state.withLock {
            $0.limit = Self.effective(limit)
            $0.queue = max(0, queue)
        }
    }

    static func effective(_ limit: Int) -> Int { limit > 0 ? limit : max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Checks running now and waiting, for tests and metrics.
    public var load: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.waiting.count) } }

    /// Runs `work` on a thread of its own once a slot is free; nil when the queue is full.
    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T? {
        let entry: GateEntry = state.withLock {
            if $0.running < $0.limit { $0.running += 1; return .admitted }
            return $0.waiting.count < $0.queue ? .wait : .refused
        }
        switch entry {
        case .refused: return nil
        case .wait:
            // The slot is handed over by the check that finishes (`release`), so `running` stays counted.
            await withCheckedContinuation { continuation in
                let admitted: Bool = state.withLock {
                    if $0.running < $0.limit { $0.running += 1; return true }
                    $0.waiting.append(continuation)
                    return false
                }
                if admitted { continuation.resume() }
            }
        case .admitted: break
        }
        heapTrim.checkStarted()
        let result = await withCheckedContinuation { continuation in
            workers.async { continuation.resume(returning: work()) }
        }
        release()
        return result
    }

    private enum GateEntry { case admitted, wait, refused }

    private func release() {
        let (next, idle): (CheckedContinuation<Void, Never>?, Bool) = state.withLock {
            if !$0.waiting.isEmpty { return ($0.waiting.removeFirst(), false) }
            $0.running -= 1
            return (nil, $0.running == 0)
        }
        next?.resume()
        if idle { heapTrim.gateIdle() }
    }
}
