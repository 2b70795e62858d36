import CoreMetrics
import DNSMessage
import Foundation
import Logging
import MailStore
import NIOSSL
import OutboundQueue
import SMTPClient

/// Builds the outbound queue from `[delivery]`: MX routing through the DNS client, or the
/// smarthost with required TLS and credentials.
public enum DeliverySetup {
    static func configuration(_ settings: HatoConfig) -> OutboundConfiguration {
        let delivery = settings.delivery
        return OutboundConfiguration(
            hostname: settings.hostname,
            retry: RetrySchedule(initialInterval: .seconds(delivery.retryInitial), maxInterval: .seconds(delivery.retryMaxInterval),
                                 maxQueueTime: .seconds(delivery.maxQueueTime)),
            mxPort: delivery.mxPort,
            relay: delivery.relay.map { OutboundConfiguration.Relay(host: $0.host, port: $0.port, implicitTLS: delivery.relayImplicitTLS) },
            maxConnections: delivery.maxConnections, maxConnectionsPerDestination: delivery.maxConnectionsPerDomain,
            maxMessagesPerConnection: delivery.maxMessagesPerConnection, pollInterval: .seconds(delivery.pollInterval),
            delayWarning: delivery.delayWarning.map { .seconds($0) },
            wakeMarker: QueueWakeMarker(dataDirectory: settings.dataDirectory))
    }

    /// nil when mail cannot be routed (no relay and no DNS resolver): mail then stays queued.
    static func runner(_ settings: HatoConfig, store: any MailStore, resolver: (any DNSResolving)?, logger: Logger,
                       metrics: any MetricsFactory = NOOPMetricsHandler.instance) -> QueueRunner? {
        var configuration = configuration(settings)
        configuration.metrics = metrics
        configuration.mtaSTSRefreshInterval = settings.delivery.mtaSTSRefreshInterval > 0 ? .seconds(settings.delivery.mtaSTSRefreshInterval) : nil
        configuration.lease = .seconds(settings.delivery.lease)
        configuration.connectionIdleTime = .seconds(settings.delivery.connectionIdleTime)
        let delivery = settings.delivery
        guard let resolver else {
            logger.warning("outbound delivery is off: no DNS resolver; mail for other domains stays queued")
            return nil
        }
        var relay: SMTPClientConfiguration?
        if delivery.relay != nil {
            var client = SMTPClientConfiguration(heloName: settings.hostname, tlsMode: delivery.relayImplicitTLS ? .implicit : .requireSTARTTLS)
            if let ca = delivery.relayCAFile { client.tlsConfiguration.trustRoots = .file(ca.path) }
            if let username = delivery.relayUsername, let password = delivery.relayPassword {
                client.credentials = SMTPClientCredentials(username: username, password: password)
            }
            relay = client
        }
        var mx = SMTPClientConfiguration(heloName: settings.hostname, tlsMode: .opportunistic)
        var webPKI = TLSConfiguration.makeClientConfiguration()
        if let ca = delivery.tlsCAFile {
            mx.tlsConfiguration.trustRoots = .file(ca.path)
            webPKI.trustRoots = .file(ca.path)
        }
        let transport = SMTPDeliveryTransport(mx: mx, relay: relay, logger: Logger(label: "hato.smtp-client"))
        let securityLogger = Logger(label: "hato.transport-security")
        let mtaSTS = delivery.mtaSTS
            ? MTASTSPolicyCache(resolver: resolver, fetcher: HTTPSPolicyFetcher(tlsConfiguration: webPKI), store: store, logger: securityLogger) : nil
        let security = TransportSecurityPolicy(resolver: resolver, dane: delivery.dane, mtaSTS: mtaSTS, logger: securityLogger)
        let router = DeliveryRouter(resolver: resolver, mxPort: configuration.mxPort, relay: configuration.relay, hostname: settings.hostname,
                                    transportSecurity: security)
        return QueueRunner(store: store, transport: transport, router: router, configuration: configuration, logger: Logger(label: "hato.queue"))
    }

    /// For `hato queue retry`/`flush`: wakes a running `hato serve` on the same data directory
    /// now instead of at its next poll (docs/delivery.md).
    public static func wakeRunningQueue(_ settings: HatoConfig) throws {
        try QueueWakeMarker(dataDirectory: settings.dataDirectory).request()
    }

    static func bannerLine(_ settings: HatoConfig, running: Bool) -> String {
        let name = "delivery".padding(toLength: 12, withPad: " ", startingAt: 0)
        guard running else { return "\(name) off (no DNS resolver); outbound mail stays queued" }
        if let relay = settings.delivery.relay {
            return "\(name) via relay \(relay) (\(settings.delivery.relayImplicitTLS ? "implicit TLS" : "STARTTLS required"))"
        }
        return "\(name) MX routing, port \(settings.delivery.mxPort)"
    }
}
