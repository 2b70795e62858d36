import Foundation
import GRDB
import MailStore

extension SQLiteMailStore {
    public func pruneReportData(workingBefore: Date, receivedBefore: Date) async throws -> PrunedReportData {
        let working = workingBefore.timeIntervalSince1970, received = receivedBefore.timeIntervalSince1970
        return try await pool.write { db in
            var pruned = PrunedReportData()
            try db.execute(sql: "DELETE FROM dmarc_evaluations WHERE evaluated_at < ?", arguments: [working])
            pruned.evaluations = db.changesCount
            // A row counts a whole UTC day from `day` on.
            try db.execute(sql: "DELETE FROM tls_sessions WHERE day < ?", arguments: [working - 86_400])
            pruned.tlsSessions = db.changesCount
            for table in ["dmarc_reports_sent", "tls_reports_sent"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE period_end < ?", arguments: [working])
                pruned.sentReports += db.changesCount
            }
            for table in ["dmarc_reports_received", "tls_reports_received"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE received_at < ?", arguments: [received])
                pruned.receivedReports += db.changesCount
            }
            return pruned
        }
    }
}
