import CoreMetrics
import Foundation

/// How the outbound queue routes, schedules and reports (the `[delivery]` config section).
public struct OutboundConfiguration: Sendable {
    /// The smarthost every message goes through instead of MX routing (OP25B networks).
    public struct Relay: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// Implicit TLS (port 465, RFC 8314) or STARTTLS required (port 587, RFC 3207).
        public var implicitTLS: Bool
        public init(host: String, port: Int, implicitTLS: Bool? = nil) {
            self.host = host
            self.port = port
            self.implicitTLS = implicitTLS ?? (port == 465)
        }
    }

    /// This server's name: EHLO, Reporting-MTA and the DSN's `MAILER-DAEMON@hostname`.
    public var hostname: String
    public var retry: RetrySchedule
    /// The port used for MX hosts (RFC 5321 §4.5.4: 25); tests point it at a loopback sink.
    public var mxPort: Int
    public var relay: Relay?
    /// Connections open at once, in total and to one destination (domain, or the relay).
    public var maxConnections: Int
    public var maxConnectionsPerDestination: Int
    /// Messages sent over one connection, across the batches that reuse it, before it is closed.
    public var maxMessagesPerConnection: Int
    /// How long a connection stays open after its batch for the next batch to the same destination
    /// (`delivery.connection_idle_time`, RFC 5321 §4.1.1.5 RSET between); zero: closed at once.
    public var connectionIdleTime: Duration = .zero
    /// How often the queue is looked at when nothing wakes it (`hato queue flush` from another process).
    public var pollInterval: Duration
    /// After this long undelivered, the sender gets one "delayed" DSN (RFC 3464 Action: delayed); nil: never.
    public var delayWarning: Duration?
    /// The file another process creates to wake the scheduler now (`hato queue retry`/`flush`),
    /// and how often it is looked for; nil: only `pollInterval` and in-process signals.
    public var wakeMarker: QueueWakeMarker?
    public var wakeMarkerInterval: Duration = .seconds(1)
    /// How often persisted MTA-STS policies past half their max_age are fetched again
    /// (`delivery.mta_sts_refresh_interval`, RFC 8461 §10.3); nil: never in the background.
    public var mtaSTSRefreshInterval: Duration? = .seconds(3_600)
    /// How long a node holds the recipients it took for delivery (`[delivery] lease`): on a
    /// shared store another node takes them over this long after a node died mid-delivery. Longer
    /// than a connection's whole batch takes (docs/scaling.md, "Shared queue").
    public var lease: Duration = .seconds(900)
    /// This scheduler's name in the queue's leases (host, process, a random part).
    public var leaseOwner = "\(ProcessInfo.processInfo.hostName) \(ProcessInfo.processInfo.processIdentifier) \(UUID().uuidString.prefix(8))"
    /// Where delivery outcomes are counted (`hato_messages_delivered_total{destination="remote"}`,
    /// `hato_messages_bounced_total`, `hato_delivery_deferred_total`; docs/metrics.md).
    public var metrics: any MetricsFactory = NOOPMetricsHandler.instance

    public init(hostname: String, retry: RetrySchedule = RetrySchedule(), mxPort: Int = 25, relay: Relay? = nil,
                maxConnections: Int = 20, maxConnectionsPerDestination: Int = 4, maxMessagesPerConnection: Int = 100,
                pollInterval: Duration = .seconds(30), delayWarning: Duration? = nil,
                wakeMarker: QueueWakeMarker? = nil) {
        self.hostname = hostname
        self.retry = retry
        self.mxPort = mxPort
        self.relay = relay
        self.maxConnections = maxConnections
        self.maxConnectionsPerDestination = maxConnectionsPerDestination
        self.maxMessagesPerConnection = maxMessagesPerConnection
        self.pollInterval = pollInterval
        self.delayWarning = delayWarning
        self.wakeMarker = wakeMarker
    }
}

/// Exponential back-off between attempts, and when to give up (RFC 5321 §4.5.4.1: retry at least
/// 30 minutes apart after the first, give up after 4-5 days).
public struct RetrySchedule: Sendable, Equatable {
    /// Wait after the first failed attempt; doubles after each further one.
    public var initialInterval: Duration
    public var maxInterval: Duration
    /// Time since the message was queued after which a temporary failure becomes final.
    public var maxQueueTime: Duration

    public init(initialInterval: Duration = .seconds(300), maxInterval: Duration = .seconds(4 * 3600),
                maxQueueTime: Duration = .seconds(5 * 86400)) {
        self.initialInterval = initialInterval
        self.maxInterval = max(maxInterval, initialInterval)
        self.maxQueueTime = maxQueueTime
    }

    /// The wait after failed attempt number `attempt` (1 is the first attempt).
    public func interval(afterAttempt attempt: Int) -> Duration {
        let initial = Double(initialInterval.components.seconds) + Double(initialInterval.components.attoseconds) / 1e18
        let cap = Double(maxInterval.components.seconds) + Double(maxInterval.components.attoseconds) / 1e18
        let seconds = min(cap, initial * pow(2, Double(max(0, min(attempt - 1, 40)))))
        return .milliseconds(Int64(seconds * 1000))
    }

    /// When to try again after failed attempt `attempt` at `now`, or nil when the message has been
    /// queued for `maxQueueTime` and the failure is final. The last try falls on the deadline itself.
    public func nextAttempt(afterAttempt attempt: Int, at now: Date, queuedAt: Date) -> Date? {
        let deadline = queuedAt.addingTimeInterval(maxQueueTime.timeInterval)
        guard now < deadline else { return nil }
        return min(deadline, now.addingTimeInterval(interval(afterAttempt: attempt).timeInterval))
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
