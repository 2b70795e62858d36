import CoreMetrics
import Foundation
import MailStore
import Prometheus
import Synchronization

/// The metrics of one `hato serve` (docs/metrics.md): a Prometheus registry behind the
/// swift-metrics factory that the listeners, sessions and the outbound queue are given, and the
/// text exposition `/metrics` serves on the admin listener. Queue gauges are read from the
/// store at each scrape, so they are exact rather than tracked.
final class HatoMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: HelpTextMetricsFactory

    init() {
        factory = HelpTextMetricsFactory(registry: registry)
        // Present from the start at zero, so a dashboard's rate() has a first sample.
        for destination in ["local", "remote"] {
            _ = factory.makeCounter(label: "hato_messages_delivered_total", dimensions: [("destination", destination)])
        }
        for name in ["hato_messages_bounced_total", "hato_messages_queued_total", "hato_delivery_deferred_total", "hato_local_delivery_failures_total"] {
            _ = factory.makeCounter(label: name, dimensions: [])
        }
    }

    /// The exposition after refreshing the queue gauges from `store`.
    func exposition(store: any MailStore, now: Date = Date()) async -> String {
        if let queued = try? await store.queuedMessages() {
            let pending = queued.flatMap(\.recipients).filter { !$0.state.isFinal }.count
            let oldest = queued.map(\.createdAt).min().map { max(0, now.timeIntervalSince($0)) } ?? 0
            registry.makeGauge(descriptor: Self.descriptor("hato_queue_messages")).set(to: Double(queued.count))
            registry.makeGauge(descriptor: Self.descriptor("hato_queue_recipients")).set(to: Double(pending))
            registry.makeGauge(descriptor: Self.descriptor("hato_queue_oldest_age_seconds")).set(to: oldest)
        }
        return registry.emitToString()
    }

    static func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help[name] ?? name)
    }

    /// The HELP line of every metric Hato records; docs/metrics.md says the same in more words.
    static let help: [String: String] = [
        "hato_connections_total": "Client connections accepted, by listener.",
        "hato_connections_open": "Client connections open now, by listener.",
        "hato_connections_refused_total": "Client connections refused at a connection cap, by listener and cap.",
        "hato_tls_handshakes_total": "Completed server TLS handshakes, by listener and negotiated version.",
        "hato_auth_failures_total": "Logins refused for wrong credentials, by listener.",
        "hato_messages_received_total": "Messages whose content arrived over SMTP, by listener and reception result.",
        "hato_messages_delivered_total": "Deliveries: local mailbox copies (one per account) and recipients accepted by a remote MTA.",
        "hato_messages_queued_total": "Recipients handed to the outbound queue.",
        "hato_messages_bounced_total": "Queued recipients that failed for good (a DSN goes to the sender unless it was null).",
        "hato_delivery_deferred_total": "Outbound delivery attempts that failed temporarily and will be retried.",
        "hato_local_delivery_failures_total": "Recipients whose local delivery failed (for example over quota).",
        "hato_spf_results_total": "SPF results of inbound mail (RFC 7208), by result.",
        "hato_dkim_results_total": "DKIM results of inbound mail, one per signature or none (RFC 6376), by result.",
        "hato_dmarc_results_total": "DMARC results of inbound mail (RFC 9989), by result.",
        "hato_queue_messages": "Messages in the outbound queue.",
        "hato_queue_recipients": "Recipients in the outbound queue still to be delivered.",
        "hato_queue_oldest_age_seconds": "Age of the oldest message in the outbound queue, 0 when empty.",
        "hato_http_request_duration_seconds": "HTTP request handling time, by listener, route and status code.",
        "hato_dnsbl_results_total": "DNS list queries of the spam controls (RFC 5782), by kind (dnsbl, dnswl, uribl), zone and result.",
        "hato_spam_refusals_total": "Connections, commands and messages the spam controls refused, by stage and reply code.",
        "hato_smtp_rule_matches_total": "Connections on the smtp listener an [[smtp.rules]] rule matched, by action.",
        "hato_rate_limited_total": "Refusals by a rate limit of the smtp listener, by limit (connections, messages, recipients).",
        "hato_greylist_results_total": "Greylisting decisions per recipient, by result (new, early, expired, passed, known, whitelisted).",
    ]
}

/// swift-metrics facades onto the Prometheus registry, with each metric's HELP text (promtool's
/// lint wants one) and the label a facade was created with used as the metric name unchanged.
///
/// Sessions and stages create their `Counter` for each increment, and the registry's
/// `makeCounter` validates the name and labels and looks the series up under its lock, 6,800
/// instructions each, seven per received message (issue 24). The handlers are kept here by
/// label and dimensions; the registry returns the same series for the same name and labels, so
/// what is counted does not change.
struct HelpTextMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    private let handlers = HandlerCache()

    /// Request latencies: 1 ms to 10 s.
    static let durationBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
                                              .milliseconds(250), .seconds(1), .seconds(2), .seconds(5), .seconds(10)]

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        handlers.handler(.counter, label, dimensions) { registry.makeCounter(descriptor: HatoMetrics.descriptor(label), labels: dimensions) }
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        handlers.handler(.counter, label, dimensions) { registry.makeCounter(descriptor: HatoMetrics.descriptor(label), labels: dimensions) }
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        handlers.handler(.gauge, label, dimensions) { registry.makeGauge(descriptor: HatoMetrics.descriptor(label), labels: dimensions) }
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        handlers.handler(.gauge, label, dimensions) { registry.makeGauge(descriptor: HatoMetrics.descriptor(label), labels: dimensions) }
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        handlers.handler(.histogram, label, dimensions) {
            registry.makeDurationHistogram(descriptor: HatoMetrics.descriptor(label), labels: dimensions, buckets: Self.durationBuckets)
        }
    }

    // Handlers stay registered: a series that existed keeps its last value in the exposition.
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

/// The registry's series by kind, label and dimensions (`HelpTextMetricsFactory`).
private final class HandlerCache: Sendable {
    enum Kind: Hashable { case counter, gauge, histogram }
    struct Key: Hashable {
        let kind: Kind
        let label: String
        let dimensions: [String]
    }
    private let entries = Mutex<[Key: any Sendable]>([:])

    func handler<Handler: Sendable>(_ kind: Kind, _ label: String, _ dimensions: [(String, String)], make: () -> Handler) -> Handler {
        let key = Key(kind: kind, label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
        if let known = entries.withLock({ $0[key] }) as? Handler { return known }
        let made = make()
        entries.withLock { $0[key] = made }
        return made
    }
}
