import Dispatch

/// Runs blocking work (file writes, fsync) on a Dispatch queue so it never occupies one of the
/// few threads of Swift's cooperative pool (two on a two-core machine).
public enum BlockingIO {
    private static let queue = DispatchQueue(label: "hato.blocking-io", attributes: .concurrent)

    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
