/// Bounds the octets of received messages held in memory for processing at once
/// (`limits.processing_memory`). A message is parsed once and checked whole (DKIM body hashes,
/// MIME, the risk assessment), so processing needs it in memory; the gate makes sessions whose
/// message ends while others are being processed wait their turn, with their content on disk
/// (`MessageSpool`), instead of all loading at once. Waiters are served in arrival order, so
/// a large message is not starved by a stream of small ones; a message larger than the whole
/// bound is let in alone when nothing else holds memory.
public actor MessageProcessingGate {
    public let capacity: Int
    private var inUse = 0
    private var waiters: [(octets: Int, continuation: CheckedContinuation<Void, Never>)] = []

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Waits until `octets` fit, then counts them as held until `release(octets)`.
    public func acquire(_ octets: Int) async {
        if waiters.isEmpty && fits(octets) {
            inUse += octets
            return
        }
        await withCheckedContinuation { waiters.append((octets, $0)) }
    }

    public func release(_ octets: Int) {
        inUse -= octets
        while let first = waiters.first, fits(first.octets) {
            waiters.removeFirst()
            inUse += first.octets
            first.continuation.resume()
        }
    }

    /// Octets held now and sessions waiting (for metrics and tests).
    public var state: (held: Int, waiting: Int) { (inUse, waiters.count) }

    private func fits(_ octets: Int) -> Bool {
        inUse == 0 || inUse + octets <= capacity
    }

    /// Runs `body` with `octets` held.
    public nonisolated func holding<T: Sendable>(_ octets: Int, _ body: () async throws -> T) async rethrows -> T {
        await acquire(octets)
        do {
            let result = try await body()
            await release(octets)
            return result
        } catch {
            await release(octets)
            throw error
        }
    }
}
