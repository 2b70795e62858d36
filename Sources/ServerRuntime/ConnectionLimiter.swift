import Synchronization

/// Counts open connections per client IP for one listener kind, so one address cannot take every
/// session slot (the `[limits] max_connections_per_ip` key).
public final class ConnectionLimiter: Sendable {
    public let maxPerIP: Int
    private let counts = Mutex([String: Int]())

    public init(maxPerIP: Int) { self.maxPerIP = maxPerIP }

    /// Reserves a slot for `ip`; false when the address already has `maxPerIP` connections.
    public func acquire(_ ip: String) -> Bool {
        counts.withLock { counts in
            let current = counts[ip, default: 0]
            guard current < maxPerIP else { return false }
            counts[ip] = current + 1
            return true
        }
    }

    public func release(_ ip: String) {
        counts.withLock { counts in
            guard let current = counts[ip] else { return }
            counts[ip] = current > 1 ? current - 1 : nil
        }
    }

    public func count(for ip: String) -> Int { counts.withLock { $0[ip, default: 0] } }
}
