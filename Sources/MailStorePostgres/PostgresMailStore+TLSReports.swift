import Foundation
import MailStore
import PostgresNIO

/// TLS-RPT (RFC 8460): session outcomes counted per day and the report ledger, whose rows and
/// exactly-once enqueue are DMARC's (`insertSent`, `reportsSent`) on the `tls_reports_*` tables,
/// as in the SQLite store (SQLiteMailStore+TLSReports.swift).
extension PostgresMailStore {
    public func recordTLSSession(_ result: TLSSessionResult) async throws {
        let strings = try SQL.json(result.policyStrings)
        let day = TLSSessionResult.day(of: result.day).timeIntervalSince1970
        try await transaction { db in
            try await db.run("""
                INSERT INTO tls_sessions (day, policy_domain, policy_type, policy_strings, mx_host, result_type, receiving_ip, reason_code, count)
                VALUES (\(day), \(result.policyDomain.lowercased()), \(result.policyType.rawValue), \(strings), \(result.mxHost.lowercased()),
                        \(result.resultType), \(result.receivingIP), \(result.reasonCode), \(Int64(result.count)))
                ON CONFLICT (day, policy_domain, policy_type, policy_strings, mx_host, result_type, receiving_ip, reason_code)
                DO UPDATE SET count = tls_sessions.count + excluded.count
                """)
        }
    }

    public func tlsSessions(from: Date, to: Date) async throws -> [TLSSessionResult] {
        try await read { db in
            try await db.all("""
                SELECT day, policy_domain, policy_type, policy_strings, mx_host, result_type, receiving_ip, reason_code, count FROM tls_sessions
                WHERE day >= \(from.timeIntervalSince1970) AND day < \(to.timeIntervalSince1970)
                ORDER BY policy_domain COLLATE "C", policy_type COLLATE "C", policy_strings COLLATE "C", mx_host COLLATE "C",
                         result_type COLLATE "C", receiving_ip COLLATE "C", reason_code COLLATE "C"
                """).map { row in
                let (day, domain, type, strings, mx, result, ip, reason, count) =
                    try row.decode((Double, String, String, String, String, String, String, String, Int64).self)
                return TLSSessionResult(
                    day: Date(timeIntervalSince1970: day), policyDomain: domain, policyType: TLSSessionResult.PolicyType(rawValue: type) ?? .noPolicyFound,
                    policyStrings: try SQL.decode([String].self, strings), mxHost: mx, resultType: result, receivingIP: ip, reasonCode: reason,
                    count: Int(count))
            }
        }
    }

    public func recordTLSReportSent(_ report: TLSSentReport) async throws -> Bool {
        try await transaction { db in try await Self.insertSent(report, db, table: "tls_reports_sent") }
    }

    public func enqueueTLSReport(_ message: OutboundMessage, sent report: TLSSentReport) async throws -> QueueMessageID? {
        try await enqueue(message) { db in try await Self.insertSent(report, db, table: "tls_reports_sent") }
    }

    public func tlsReportsSent(since: Date) async throws -> [TLSSentReport] {
        try await reportsSent(since: since, table: "tls_reports_sent")
    }

    public func latestTLSReportPeriodEnd() async throws -> Date? {
        let end = try await read { db in try await db.value("SELECT MAX(period_end) FROM tls_reports_sent", as: Double?.self) }
        return end.flatMap { $0 }.map { Date(timeIntervalSince1970: $0) }
    }

    public func storeTLSReceivedReport(_ report: TLSReceivedReport) async throws -> TLSReceivedReport? {
        try await storeReceivedReport(report, table: "tls_reports_received")
    }

    public func tlsReceivedReports(domain: String?, since: Date?, limit: Int) async throws -> [TLSReceivedReport] {
        try await receivedReports(domain: domain, since: since, limit: limit, table: "tls_reports_received")
    }

    public func tlsReceivedReport(id: Int64) async throws -> TLSReceivedReport? {
        try await read { db in
            try await db.all("SELECT \(unescaped: Self.receivedColumns) FROM tls_reports_received WHERE id = \(id)").first.map(Self.receivedReport)
        }
    }
}
