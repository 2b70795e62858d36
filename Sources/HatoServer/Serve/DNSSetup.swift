import DNSClient
import DNSMessage
import Logging

/// Builds the stub resolver from `[dns]`: the listed servers (those in `validating` have their
/// AD bit trusted), or /etc/resolv.conf when none are listed; `timeout` and `attempts` override
/// resolv.conf's options.
public enum DNSSetup {
    public static func resolver(_ settings: HatoConfig, logger: Logger) -> (any DNSResolving)? {
        var configuration: DNSClientConfiguration
        if let servers = settings.dns.servers {
            let parsed = servers.compactMap { DNSServer(parsing: $0, validating: settings.dns.validating.contains($0)) }
            configuration = DNSClientConfiguration(servers: parsed)
        } else {
            do {
                configuration = try .system()
            } catch {
                logger.warning("no DNS resolver: SPF checks are off", metadata: ["error": "\(error)"])
                return nil
            }
        }
        if let timeout = settings.dns.timeout { configuration.timeout = .seconds(timeout.components.seconds) }
        if let attempts = settings.dns.attempts { configuration.attempts = attempts }
        configuration.negativeTTLWithoutSOA = UInt32(clamping: settings.dns.negativeTTLWithoutSOA.components.seconds)
        return DNSClient(configuration: configuration, logger: Logger(label: "hato.dns"))
    }
}
