import CoreMetrics

/// What the listeners and the sessions on them count (docs/metrics.md), through a swift-metrics
/// factory handed in by whoever composes the server (`HatoServer` gives a Prometheus registry;
/// tests and tools get the no-op one). Nothing here is global: the factory travels with the
/// listener configuration and each connection's `ConnectionContext`.
public struct ServerMetrics: Sendable {
    public let factory: any MetricsFactory

    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
    }

    /// Counts nothing.
    public static let none = ServerMetrics()

    /// Adds `amount` to the counter `name` with these label values.
    public func increment(_ name: String, _ dimensions: [(String, String)], by amount: Int = 1) {
        guard amount > 0 else { return }
        Counter(label: name, dimensions: dimensions, factory: factory).increment(by: amount)
    }

    /// A connection passed the caps and is handed to its protocol.
    func connectionOpened(listener: String) {
        increment(MetricNames.connections, [("listener", listener)])
        Meter(label: MetricNames.openConnections, dimensions: [("listener", listener)], factory: factory).increment()
    }

    func connectionClosed(listener: String) {
        Meter(label: MetricNames.openConnections, dimensions: [("listener", listener)], factory: factory).decrement()
    }

    /// `reason`: `per_ip`, `listener` or `server` (the cap that refused it).
    func connectionRefused(listener: String, reason: String) {
        increment(MetricNames.refusedConnections, [("listener", listener), ("reason", reason)])
    }

    func tlsHandshake(listener: String, version: String) {
        increment(MetricNames.tlsHandshakes, [("listener", listener), ("version", version)])
    }

    func authenticationFailed(listener: String) {
        increment(MetricNames.authFailures, [("listener", listener)])
    }

    /// The names recorded here; every one is described in docs/metrics.md.
    public enum MetricNames {
        /// Counter, label `listener`: connections accepted (past every cap).
        public static let connections = "hato_connections_total"
        /// Gauge, label `listener`: connections open now.
        public static let openConnections = "hato_connections_open"
        /// Counter, labels `listener`, `reason`: connections refused at a cap.
        public static let refusedConnections = "hato_connections_refused_total"
        /// Counter, labels `listener`, `version`: completed TLS handshakes by negotiated version.
        public static let tlsHandshakes = "hato_tls_handshakes_total"
        /// Counter, label `listener`: logins refused for wrong credentials (all protocols).
        public static let authFailures = "hato_auth_failures_total"
    }
}
