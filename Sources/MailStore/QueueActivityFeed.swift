import Synchronization

/// In-process signal that the outbound queue gained due work (an enqueue, a retry, a flush), so
/// the scheduler wakes at once instead of at its next poll. Stores signal after their commit.
public final class QueueActivityFeed: Sendable {
    private struct Subscribers {
        var next = 0
        var continuations: [Int: AsyncStream<Void>.Continuation] = [:]
    }
    private let state = Mutex(Subscribers())

    public init() {}

    public func subscribe() -> AsyncStream<Void> {
        // One pending signal is enough: the scheduler reads the whole queue when it wakes.
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            state.next += 1
            state.continuations[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    public func publish() {
        for continuation in state.withLock({ Array($0.continuations.values) }) { continuation.yield() }
    }
}
