import Logging
import MailStore
import NIOSSL
import Reception

/// Composition of TLS-RPT sending for `hato serve` and `hato report tls` (docs/transport-security.md).
public enum TLSReportSetup {
    /// The sender with the configured resolver and DKIM keys; nil without `tls_reports.from` or a resolver.
    public static func sender(_ settings: HatoConfig, store: any MailStore, logger: Logger) -> TLSReportSender? {
        guard settings.tlsReports.from != nil, let resolver = DNSSetup.resolver(settings, logger: logger) else { return nil }
        let signer = settings.dkim.sign
            ? DKIMSubmissionSigner(store: store, lifetime: settings.dkim.signatureLifetime > 0 ? settings.dkim.signatureLifetime : nil) : nil
        // rua=https: destinations (RFC 8460 §5.3), checked against the roots outbound TLS uses.
        var trust = TLSConfiguration.makeClientConfiguration()
        if let ca = settings.delivery.tlsCAFile { trust.trustRoots = .file(ca.path) }
        return TLSReportSender(store: store, resolver: resolver, settings: settings.tlsReports, signer: signer,
                               poster: TLSReportPoster(tlsConfiguration: trust), logger: Logger(label: "hato.tls-reports"))
    }

    /// The daily service, when `[tls_reports] send = on` and the outbound queue runs.
    static func service(_ settings: HatoConfig, store: any MailStore, queueRuns: Bool, logger: Logger) -> DMARCReportService? {
        guard settings.tlsReports.send else { return nil }
        guard queueRuns else {
            logger.warning("tls_reports.send is on but outbound delivery is off: reports are not sent")
            return nil
        }
        guard let sender = sender(settings, store: store, logger: logger) else { return nil }
        return DMARCReportService(send: { try await sender.run(send: true) }, what: "TLS reports", period: 86_400,
                                  logger: Logger(label: "hato.tls-reports"))
    }

    /// The smtp listener's report intake, after DMARC's.
    static func intakeStages(_ settings: HatoConfig, store: any MailStore) -> [any ReceptionStage] {
        let reports = settings.tlsReports
        guard reports.receive, !reports.reportAddresses.isEmpty else { return [] }
        return [TLSReportIntakeStage(addresses: Set(reports.reportAddresses), maxJSONBytes: reports.maxReportSize, store: store)]
    }
}
