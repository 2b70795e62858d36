import Foundation
import MailStore
import NIOCore
import PostgresNIO

/// The aggregate reports sent (one row per period and policy domain) and received (unique per
/// reporter and report id): RFC 9990, docs/dmarc-reports.md.
extension PostgresMailStore {
    public func recordDMARCReportSent(_ report: DMARCSentReport) async throws -> Bool {
        try await transaction { db in try await Self.insertSent(report, db) }
    }

    public func enqueueDMARCReport(_ message: OutboundMessage, sent report: DMARCSentReport) async throws -> QueueMessageID? {
        try await enqueue(message) { db in try await Self.insertSent(report, db) }
    }

    /// The primary key (period_begin, policy_domain) makes a second run's insert a no-op. The
    /// TLS-RPT ledger (`tls_reports_sent`) has the same columns.
    static func insertSent(_ report: DMARCSentReport, _ db: PostgresConnection, table: String = "dmarc_reports_sent") async throws -> Bool {
        let destinations = try SQL.json(report.destinations)
        return try await db.run("""
            INSERT INTO \(unescaped: table) (period_begin, period_end, policy_domain, report_id, outcome, destinations, detail, recorded_at)
            VALUES (\(report.periodBegin.timeIntervalSince1970), \(report.periodEnd.timeIntervalSince1970), \(report.policyDomain.lowercased()),
                    \(report.reportID), \(report.outcome.rawValue), \(destinations), \(report.detail), \(Date().timeIntervalSince1970))
            ON CONFLICT (period_begin, policy_domain) DO NOTHING RETURNING 1
            """) == 1
    }

    public func dmarcReportsSent(since: Date) async throws -> [DMARCSentReport] {
        try await reportsSent(since: since, table: "dmarc_reports_sent")
    }

    func reportsSent(since: Date, table: String) async throws -> [DMARCSentReport] {
        try await read { db in
            try await db.all("""
                SELECT period_begin, period_end, policy_domain, report_id, outcome, destinations, detail FROM \(unescaped: table)
                WHERE period_begin >= \(since.timeIntervalSince1970) ORDER BY period_begin, policy_domain COLLATE "C"
                """).map { row in
                let (begin, end, domain, id, outcome, destinations, detail) =
                    try row.decode((Double, Double, String, String, String, String, String?).self)
                return DMARCSentReport(
                    periodBegin: Date(timeIntervalSince1970: begin), periodEnd: Date(timeIntervalSince1970: end), policyDomain: domain,
                    reportID: id, outcome: DMARCSentReport.Outcome(rawValue: outcome) ?? .queued,
                    destinations: try SQL.decode([String].self, destinations), detail: detail)
            }
        }
    }

    public func latestDMARCReportPeriodEnd() async throws -> Date? {
        let end = try await read { db in try await db.value("SELECT MAX(period_end) FROM dmarc_reports_sent", as: Double?.self) }
        return end.flatMap { $0 }.map { Date(timeIntervalSince1970: $0) }
    }

    public func storeDMARCReceivedReport(_ report: DMARCReceivedReport) async throws -> DMARCReceivedReport? {
        try await storeReceivedReport(report, table: "dmarc_reports_received")
    }

    /// Also TLS-RPT's `tls_reports_received`, which has the same columns.
    func storeReceivedReport(_ report: DMARCReceivedReport, table: String) async throws -> DMARCReceivedReport? {
        let attachment = report.attachment.map { ByteBuffer(bytes: $0) }
        let id = try await transaction { db -> Int64? in
            try await db.value("""
                INSERT INTO \(unescaped: table) (received_at, reporter, report_id, policy_domain, period_begin, period_end,
                    message_count, record_count, report, problem, attachment)
                VALUES (\(report.receivedAt.timeIntervalSince1970), \(report.reporter), \(report.reportID), \(report.policyDomain.lowercased()),
                    \(report.periodBegin.timeIntervalSince1970), \(report.periodEnd.timeIntervalSince1970), \(report.messageCount),
                    \(report.recordCount), \(report.reportJSON), \(report.problem), \(attachment))
                ON CONFLICT (reporter, report_id) DO NOTHING RETURNING id
                """, as: Int64.self)
        }
        guard let id else { return nil }
        var stored = report
        stored.id = id
        return stored
    }

    static let receivedColumns = """
        id, received_at, reporter, report_id, policy_domain, period_begin, period_end, message_count, record_count, report, problem, attachment
        """

    public func dmarcReceivedReports(domain: String?, since: Date?, limit: Int) async throws -> [DMARCReceivedReport] {
        try await receivedReports(domain: domain, since: since, limit: limit, table: "dmarc_reports_received")
    }

    func receivedReports(domain: String?, since: Date?, limit: Int, table: String) async throws -> [DMARCReceivedReport] {
        // NULL parameters switch a condition off, so one statement covers all four filters.
        let domain = domain?.lowercased(), since = since?.timeIntervalSince1970, limit = max(0, limit)
        return try await read { db in
            try await db.all("""
                SELECT \(unescaped: Self.receivedColumns) FROM \(unescaped: table)
                WHERE (\(domain)::text IS NULL OR policy_domain = \(domain)) AND (\(since)::float8 IS NULL OR period_end >= \(since))
                ORDER BY period_begin DESC, id DESC LIMIT \(limit)
                """).map(Self.receivedReport)
        }
    }

    public func dmarcReceivedReport(id: Int64) async throws -> DMARCReceivedReport? {
        try await read { db in
            try await db.all("SELECT \(unescaped: Self.receivedColumns) FROM dmarc_reports_received WHERE id = \(id)").first.map(Self.receivedReport)
        }
    }

    static func receivedReport(_ row: PostgresRow) throws -> DMARCReceivedReport {
        let (id, received, reporter, reportID, domain, begin, end, messages, records, json, problem, attachment) =
            try row.decode((Int64, Double, String, String, String, Double, Double, Int, Int, String?, String?, ByteBuffer?).self)
        return DMARCReceivedReport(
            id: id, receivedAt: Date(timeIntervalSince1970: received), reporter: reporter, reportID: reportID, policyDomain: domain,
            periodBegin: Date(timeIntervalSince1970: begin), periodEnd: Date(timeIntervalSince1970: end), messageCount: messages,
            recordCount: records, reportJSON: json, problem: problem, attachment: SQL.bytes(attachment))
    }
}
