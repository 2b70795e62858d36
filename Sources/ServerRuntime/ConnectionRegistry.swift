import NIOCore
import Synchronization

/// The open sessions of one listener, so shutdown can ask each to finish and then wait for them.
final class ConnectionRegistry: Sendable {
    private let channels = Mutex([ObjectIdentifier: any Channel]())

    func add(_ channel: any Channel) {
        channels.withLock { $0[ObjectIdentifier(channel)] = channel }
    }

    func remove(_ channel: any Channel) {
        _ = channels.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var count: Int { channels.withLock { $0.count } }

    /// Fires `ServerShutdownEvent` into every session's pipeline, on its own event loop.
    func broadcastShutdown() {
        for channel in channels.withLock({ Array($0.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(ServerShutdownEvent())
        }
    }

    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }

    /// Waits until every session has closed, or the grace period is over. Returns what remained.
    func waitUntilEmpty(gracePeriod: Duration) async -> Int {
        let deadline = ContinuousClock.now.advanced(by: gracePeriod)
        while count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return count
    }
}
