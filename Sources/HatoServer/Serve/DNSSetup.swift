import DNSClient
import DNSMessage
import Logging

/// Builds the resolver from `[dns]`: the listed servers (those in `validating` have their
/// AD bit trusted), or /etc/resolv.conf when none are listed; `timeout` and `attempts` override
/// resolv.conf's options. With `dnssec = "validate"` the same servers become forwarders of the
/// in-process validator (libunbound) starting from `trust_anchor_file` (docs/dns.md, DNSSEC).
public enum DNSSetup {
    public static func resolver(_ settings: HatoConfig, logger: Logger) -> (any DNSResolving)? {
        if settings.dns.dnssec == "validate" {
            return validatingResolver(settings, logger: logger)
        }
        var configuration: DNSClientConfiguration
        // "off": no server's AD bit is believed, every answer is insecure.
        let trusted = settings.dns.dnssec == "off" ? [] : settings.dns.validating
        if let servers = settings.dns.servers {
            let parsed = servers.compactMap { DNSServer(parsing: $0, validating: trusted.contains($0)) }
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
        configuration.retransmitMinimum = .milliseconds(Int64(settings.dns.retransmitMinimumMs))
        return DNSClient(configuration: configuration, logger: Logger(label: "hato.dns"))
    }

    /// The libunbound validator; nil (and an error logged) when it cannot start, e.g. the trust
    /// anchor file is missing: no resolver is safer than one that silently stopped validating.
    public static func validatingResolver(_ settings: HatoConfig, logger: Logger) -> ValidatingResolver? {
        let servers = (settings.dns.servers ?? []).compactMap { DNSServer(parsing: $0) }
        do {
            return try ValidatingResolver(servers: servers, trustAnchorFiles: [settings.dns.trustAnchorFile],
                                          logger: Logger(label: "hato.dns"))
        } catch {
            logger.error("DNSSEC validator did not start: no DNS lookups", metadata: [
                "error": "\(error)", "trust_anchor_file": "\(settings.dns.trustAnchorFile)"])
            return nil
        }
    }
}
