import DNSMessage
import Logging
import MailStore
import Reception

/// Composition of DMARC reporting for `hato serve` and `hato report dmarc` (docs/dmarc-reports.md).
public enum DMARCReportSetup {
    /// The sender with the configured resolver and DKIM keys; nil when no reports address is set
    /// or no resolver could be made.
    public static func sender(_ settings: HatoConfig, store: any MailStore, logger: Logger) -> DMARCReportSender? {
        guard settings.dmarcReports.from != nil, let resolver = DNSSetup.resolver(settings, logger: logger) else { return nil }
        let signer = settings.dkim.sign
            ? DKIMSubmissionSigner(store: store, lifetime: settings.dkim.signatureLifetime > 0 ? settings.dkim.signatureLifetime : nil) : nil
        return DMARCReportSender(store: store, resolver: resolver, settings: settings.dmarcReports, signer: signer,
                                 logger: Logger(label: "hato.dmarc-reports"))
    }

    /// The RFC 9991 failure reporter when `dmarc.failure_reports = on` (its config check makes
    /// sure `report_from` is set).
    static func failureReporter(_ settings: HatoConfig, store: any MailStore, resolver: any DNSResolving) -> DMARCFailureReporter? {
        guard settings.dmarcReports.failureReports, let from = settings.dmarcReports.from else { return nil }
        let signer = settings.dkim.sign
            ? DKIMSubmissionSigner(store: store, lifetime: settings.dkim.signatureLifetime > 0 ? settings.dkim.signatureLifetime : nil) : nil
        return DMARCFailureReporter(store: store, resolver: resolver, from: from, signer: signer,
                                    limitPerHour: settings.dmarcReports.failureReportLimit, logger: Logger(label: "hato.dmarc-reports"))
    }

    /// The periodic service, when `[dmarc] send_reports = on` and the outbound queue runs.
    static func service(_ settings: HatoConfig, store: any MailStore, queueRuns: Bool, logger: Logger) -> DMARCReportService? {
        guard settings.dmarcReports.send else { return nil }
        guard settings.dmarcRecord else {
            logger.warning("dmarc.send_reports is on but dmarc.record is off: there is nothing to report")
            return nil
        }
        guard queueRuns else {
            logger.warning("dmarc.send_reports is on but outbound delivery is off: reports are not sent")
            return nil
        }
        guard let sender = sender(settings, store: store, logger: logger) else { return nil }
        return DMARCReportService(send: { try await sender.run(send: true) }, what: "DMARC aggregate reports", period: settings.dmarcReports.period,
                                  logger: Logger(label: "hato.dmarc-reports"))
    }

    /// The smtp listener's report intake: last, so only mail the other stages accepted is read.
    static func intakeStages(_ settings: HatoConfig, store: any MailStore) -> [any ReceptionStage] {
        let reports = settings.dmarcReports
        guard reports.receive, !reports.reportAddresses.isEmpty else { return [] }
        return [DMARCReportIntakeStage(addresses: Set(reports.reportAddresses), limits: reports.limits, store: store)]
    }
}
