import Foundation
import MailStore
import PostgresNIO

extension PostgresMailStore {
    public func pruneReportData(workingBefore: Date, receivedBefore: Date) async throws -> PrunedReportData {
        let working = workingBefore.timeIntervalSince1970, received = receivedBefore.timeIntervalSince1970
        return try await transaction { db in
            var pruned = PrunedReportData()
            pruned.evaluations = try await db.run("DELETE FROM dmarc_evaluations WHERE evaluated_at < \(working) RETURNING 1")
            // A row counts a whole UTC day from `day` on.
            pruned.tlsSessions = try await db.run("DELETE FROM tls_sessions WHERE day < \(working - 86_400) RETURNING 1")
            pruned.sentReports = try await db.run("DELETE FROM dmarc_reports_sent WHERE period_end < \(working) RETURNING 1")
                + db.run("DELETE FROM tls_reports_sent WHERE period_end < \(working) RETURNING 1")
            pruned.receivedReports = try await db.run("DELETE FROM dmarc_reports_received WHERE received_at < \(received) RETURNING 1")
                + db.run("DELETE FROM tls_reports_received WHERE received_at < \(received) RETURNING 1")
            return pruned
        }
    }
}
