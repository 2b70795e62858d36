import Foundation
import Logging
import MailStore

/// Deletes report data past `dmarc.evaluation_retention` / `dmarc.report_retention` while
/// `hato serve` runs: at start and then hourly (the report services' rhythm), each run one short
/// transaction, so the evaluation, TLS session and report tables stop growing with the mail.
enum ReportRetentionSetup {
    static func service(_ settings: HatoConfig, store: any MailStore) -> DMARCReportService {
        let reports = settings.dmarcReports
        let logger = Logger(label: "hato.report-retention")
        return DMARCReportService(send: {
            let pruned = try await prune(store, reports, now: Date())
            if pruned != PrunedReportData() {
                logger.info("report data pruned", metadata: [
                    "evaluations": "\(pruned.evaluations)", "tls_sessions": "\(pruned.tlsSessions)",
                    "sent_reports": "\(pruned.sentReports)", "received_reports": "\(pruned.receivedReports)",
                ])
            }
        }, what: "report data pruning", period: 86_400, logger: logger)
    }

    /// One pruning pass as of `now`.
    static func prune(_ store: any MailStore, _ reports: DMARCReportSettings, now: Date) async throws -> PrunedReportData {
        let working = now.addingTimeInterval(-TimeInterval(reports.evaluationRetention))
        let received = reports.reportRetention == 0 ? Date.distantPast : now.addingTimeInterval(-TimeInterval(reports.reportRetention))
        return try await store.pruneReportData(workingBefore: working, receivedBefore: received)
    }
}
