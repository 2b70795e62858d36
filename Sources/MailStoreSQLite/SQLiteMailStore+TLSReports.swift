import Foundation
import GRDB
import MailStore

/// TLS-RPT (RFC 8460): session outcomes counted per day and the report ledger, whose rows and
/// exactly-once enqueue are DMARC's (`insertSent`, `sentReport`) on the `tls_reports_sent` table.
extension SQLiteMailStore {
    public func recordTLSSession(_ result: TLSSessionResult) async throws {
        let strings = String(decoding: try JSONEncoder().encode(result.policyStrings), as: UTF8.self)
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO tls_sessions (day, policy_domain, policy_type, policy_strings, mx_host, result_type, receiving_ip, reason_code, count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (day, policy_domain, policy_type, policy_strings, mx_host, result_type, receiving_ip, reason_code)
                DO UPDATE SET count = count + excluded.count
                """, arguments: [TLSSessionResult.day(of: result.day).timeIntervalSince1970, result.policyDomain.lowercased(),
                                 result.policyType.rawValue, strings, result.mxHost.lowercased(), result.resultType, result.receivingIP,
                                 result.reasonCode, result.count])
        }
    }

    public func tlsSessions(from: Date, to: Date) async throws -> [TLSSessionResult] {
        try await reads.readInOneHop { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM tls_sessions WHERE day >= ? AND day < ?
                ORDER BY policy_domain, policy_type, policy_strings, mx_host, result_type, receiving_ip, reason_code
                """, arguments: [from.timeIntervalSince1970, to.timeIntervalSince1970]).map(Self.tlsSession)
        }
    }

    static func tlsSession(_ row: Row) throws -> TLSSessionResult {
        TLSSessionResult(
            day: Date(timeIntervalSince1970: row["day"]), policyDomain: row["policy_domain"],
            policyType: TLSSessionResult.PolicyType(rawValue: row["policy_type"]) ?? .noPolicyFound,
            policyStrings: try JSONDecoder().decode([String].self, from: Data((row["policy_strings"] as String).utf8)),
            mxHost: row["mx_host"], resultType: row["result_type"], receivingIP: row["receiving_ip"], reasonCode: row["reason_code"],
            count: row["count"])
    }

    public func recordTLSReportSent(_ report: TLSSentReport) async throws -> Bool {
        try await pool.write { db in try Self.insertSent(report, db, table: "tls_reports_sent") }
    }

    public func enqueueTLSReport(_ message: OutboundMessage, sent report: TLSSentReport) async throws -> QueueMessageID? {
        try await enqueue(message) { db in try Self.insertSent(report, db, table: "tls_reports_sent") }
    }

    public func tlsReportsSent(since: Date) async throws -> [TLSSentReport] {
        try await reads.readInOneHop { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tls_reports_sent WHERE period_begin >= ? ORDER BY period_begin, policy_domain",
                             arguments: [since.timeIntervalSince1970]).map(Self.sentReport)
        }
    }

    public func latestTLSReportPeriodEnd() async throws -> Date? {
        let end = try await reads.readInOneHop { db in try Double.fetchOne(db, sql: "SELECT MAX(period_end) FROM tls_reports_sent") }
        return end.map { Date(timeIntervalSince1970: $0) }
    }

    public func storeTLSReceivedReport(_ report: TLSReceivedReport) async throws -> TLSReceivedReport? {
        try await storeReceivedReport(report, table: "tls_reports_received")
    }

    public func tlsReceivedReports(domain: String?, since: Date?, limit: Int) async throws -> [TLSReceivedReport] {
        try await receivedReports(domain: domain, since: since, limit: limit, table: "tls_reports_received")
    }

    public func tlsReceivedReport(id: Int64) async throws -> TLSReceivedReport? {
        try await reads.readInOneHop { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tls_reports_received WHERE id = ?", arguments: [id]).map(Self.receivedReport)
        }
    }
}
