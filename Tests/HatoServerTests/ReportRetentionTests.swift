import Foundation
@testable import HatoServer
import HatoTesting
import MailStore
import MailStoreSQLite
import Testing

/// `dmarc.evaluation_retention` / `dmarc.report_retention`: what `hato serve`'s hourly pruning
/// deletes from a store, and the limits the configuration puts on the two keys.
@Suite struct ReportRetentionTests {
    let directory = try! TemporaryDirectory(prefix: "hato-report-retention")

    func load(_ text: String) throws -> HatoConfig {
        let path = directory.url.appendingPathComponent("hato.toml").path
        try ("hostname = \"mail.example.com\"\ndata_dir = \"data\"\n" + text).write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(file: path, environment: [:]).settings
    }

    @Test func defaultsKeepAMonthOfWorkingDataAndAboutAYearOfReports() throws {
        let reports = try load("").dmarcReports
        #expect(reports.evaluationRetention == 31 * 86_400 && reports.reportRetention == 400 * 86_400)
        #expect(try load("[dmarc]\nevaluation_retention = \"8d\"\nreport_retention = 0\n").dmarcReports.reportRetention == 0)
        do {
            _ = try load("[dmarc]\nevaluation_retention = \"7d\"\n")
            Issue.record("a retention shorter than the week reports catch up on was accepted")
        } catch let error as ConfigErrors {
            #expect(error.errors.map { "\($0)" }.joined().contains("dmarc.evaluation_retention: must be at least 8 days"), "\(error)")
        }
    }

    @Test func prunesWhatIsOlderThanEachRetention() async throws {
        let store = try SQLiteMailStore(directory: directory.url.appendingPathComponent("store"))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for age in [40.0, 2.0] {
            try await store.recordDMARCEvaluation(DMARCEvaluationRecord(
                evaluatedAt: now.addingTimeInterval(-age * 86_400), sourceIP: "192.0.2.1", headerFrom: "a.example", envelopeFrom: nil,
                envelopeTo: ["example.com"], result: "pass", disposition: "none", policy: nil, evaluatedPolicy: "none",
                dkimAligned: true, spfAligned: true, dkim: [], spfDomain: nil, spfResult: "pass", reportURIs: []))
        }
        for (age, id) in [(500.0, "old"), (30.0, "recent")] {
            let at = now.addingTimeInterval(-age * 86_400)
            _ = try await store.storeDMARCReceivedReport(DMARCReceivedReport(
                receivedAt: at, reporter: "google.com", reportID: id, policyDomain: "example.com", periodBegin: at,
                periodEnd: at.addingTimeInterval(86_399), messageCount: 3, recordCount: 1, reportJSON: "{}"))
        }
        let pruned = try await ReportRetentionSetup.prune(store, try load("").dmarcReports, now: now)
        #expect(pruned == PrunedReportData(evaluations: 1, receivedReports: 1))
        #expect(try await store.dmarcReceivedReports(domain: nil, since: nil, limit: 10).map(\.reportID) == ["recent"])
        let kept = try await ReportRetentionSetup.prune(store, try load("[dmarc]\nreport_retention = 0\n").dmarcReports, now: now.addingTimeInterval(86_400 * 400))
        #expect(kept == PrunedReportData(evaluations: 1), "report_retention = 0 keeps received reports: \(kept)")
        try await store.close()
    }
}
