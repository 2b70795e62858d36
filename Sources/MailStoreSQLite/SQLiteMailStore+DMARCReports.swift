import Foundation
import GRDB
import MailStore

extension SQLiteMailStore {
    public func recordDMARCReportSent(_ report: DMARCSentReport) async throws -> Bool {
        try await pool.write { db in try Self.insertSent(report, db) }
    }

    public func enqueueDMARCReport(_ message: OutboundMessage, sent report: DMARCSentReport) async throws -> QueueMessageID? {
        try await enqueue(message) { db in try Self.insertSent(report, db) }
    }

    /// The primary key (period_begin, policy_domain) makes a second run's insert a no-op. The
    /// TLS-RPT ledger (`tls_reports_sent`) has the same columns.
    static func insertSent(_ report: DMARCSentReport, _ db: Database, table: String = "dmarc_reports_sent") throws -> Bool {
        let destinations = String(decoding: try JSONEncoder().encode(report.destinations), as: UTF8.self)
        try db.execute(sql: """
            INSERT OR IGNORE INTO \(table) (period_begin, period_end, policy_domain, report_id, outcome, destinations,
                detail, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [report.periodBegin.timeIntervalSince1970, report.periodEnd.timeIntervalSince1970,
                             report.policyDomain.lowercased(), report.reportID, report.outcome.rawValue, destinations, report.detail,
                             Date().timeIntervalSince1970])
        return db.changesCount == 1
    }

    public func dmarcReportsSent(since: Date) async throws -> [DMARCSentReport] {
        // Values, not Rows, come out of the closure, so the async read is used (SQLiteMailStore+Risk.swift).
        try await reads.readInOneHop { db in
            try Row.fetchAll(db, sql: "SELECT * FROM dmarc_reports_sent WHERE period_begin >= ? ORDER BY period_begin, policy_domain",
                             arguments: [since.timeIntervalSince1970]).map(Self.sentReport)
        }
    }

    static func sentReport(_ row: Row) throws -> DMARCSentReport {
        DMARCSentReport(
            periodBegin: Date(timeIntervalSince1970: row["period_begin"]), periodEnd: Date(timeIntervalSince1970: row["period_end"]),
            policyDomain: row["policy_domain"], reportID: row["report_id"],
            outcome: DMARCSentReport.Outcome(rawValue: row["outcome"]) ?? .queued,
            destinations: try JSONDecoder().decode([String].self, from: Data((row["destinations"] as String).utf8)), detail: row["detail"])
    }

    public func latestDMARCReportPeriodEnd() async throws -> Date? {
        let end = try await reads.readInOneHop { db in try Double.fetchOne(db, sql: "SELECT MAX(period_end) FROM dmarc_reports_sent") }
        return end.map { Date(timeIntervalSince1970: $0) }
    }

    public func storeDMARCReceivedReport(_ report: DMARCReceivedReport) async throws -> DMARCReceivedReport? {
        try await storeReceivedReport(report, table: "dmarc_reports_received")
    }

    /// Also TLS-RPT's `tls_reports_received`, which has the same columns.
    func storeReceivedReport(_ report: DMARCReceivedReport, table: String) async throws -> DMARCReceivedReport? {
        let id: Int64? = try await pool.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO \(table) (received_at, reporter, report_id, policy_domain, period_begin, period_end,
                    message_count, record_count, report, problem, attachment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [report.receivedAt.timeIntervalSince1970, report.reporter, report.reportID, report.policyDomain.lowercased(),
                                 report.periodBegin.timeIntervalSince1970, report.periodEnd.timeIntervalSince1970, report.messageCount,
                                 report.recordCount, report.reportJSON, report.problem, report.attachment.map { Data($0) }])
            return db.changesCount == 1 ? db.lastInsertedRowID : nil
        }
        guard let id else { return nil }
        var stored = report
        stored.id = id
        return stored
    }

    public func dmarcReceivedReports(domain: String?, since: Date?, limit: Int) async throws -> [DMARCReceivedReport] {
        try await receivedReports(domain: domain, since: since, limit: limit, table: "dmarc_reports_received")
    }

    func receivedReports(domain: String?, since: Date?, limit: Int, table: String) async throws -> [DMARCReceivedReport] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let domain {
            conditions.append("policy_domain = ?")
            arguments += [domain.lowercased()]
        }
        if let since {
            conditions.append("period_end >= ?")
            arguments += [since.timeIntervalSince1970]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [limit]
        return try await reads.readInOneHop { [arguments] db in
            try Row.fetchAll(db, sql: "SELECT * FROM \(table) \(filter) ORDER BY period_begin DESC, id DESC LIMIT ?",
                             arguments: arguments).map(Self.receivedReport)
        }
    }

    public func dmarcReceivedReport(id: Int64) async throws -> DMARCReceivedReport? {
        try await reads.readInOneHop { db in
            try Row.fetchOne(db, sql: "SELECT * FROM dmarc_reports_received WHERE id = ?", arguments: [id]).map(Self.receivedReport)
        }
    }

    static func receivedReport(_ row: Row) -> DMARCReceivedReport {
        DMARCReceivedReport(
            id: row["id"], receivedAt: Date(timeIntervalSince1970: row["received_at"]), reporter: row["reporter"], reportID: row["report_id"],
            policyDomain: row["policy_domain"], periodBegin: Date(timeIntervalSince1970: row["period_begin"]),
            periodEnd: Date(timeIntervalSince1970: row["period_end"]), messageCount: row["message_count"], recordCount: row["record_count"],
            reportJSON: row["report"], problem: row["problem"], attachment: (row["attachment"] as Data?).map { Array($0) })
    }
}
