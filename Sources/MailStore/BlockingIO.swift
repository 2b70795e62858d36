import Dispatch

/// Runs blocking work (file writes, fsync) on a Dispatch queue so it never occupies one of the
/// few threads of Swift's cooperative pool (two on a two-core machine).
public enum BlockingIO {
    /// Set for a session step that runs on its connection's event loop (`EventLoopTaskExecutor`,
    /// `SessionStepRunner.runsOnEventLoop`): the store may then run a brief read of its database
    /// (a few rows from the page cache, no file I/O it cannot bound) on the calling thread
    /// instead of handing it to a blocking-I/O thread and back. Each hand-off wakes a thread,
    /// often on a halted CPU; the read itself takes tens of microseconds (docs/PERFORMANCE.md,
    /// issue 24). Never set on the cooperative pool, whose few threads must not block.
    @TaskLocal public static var briefReadsInline = false

    /// Runs a session step with `briefReadsInline` set when it runs on its event loop
    /// (`SessionStepRunner.runsOnEventLoop`); as it is otherwise.
    public static func step<T>(onEventLoop: Bool, _ work: () async -> T) async -> T {
        guard onEventLoop, !briefReadsInline else { return await work() }
        return await $briefReadsInline.withValue(true) { await work() }
    }

    private static let queue = DispatchQueue(label: "hato.blocking-io", attributes: .concurrent)

    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
