import Foundation

/// How many rows `ReportRetention.pruneReportData` deleted, per kind.
public struct PrunedReportData: Sendable, Equatable {
    /// DMARC evaluations (the input of the aggregate reports Hato sends).
    public var evaluations: Int
    /// Counted outbound TLS sessions (the input of the TLS reports Hato sends).
    public var tlsSessions: Int
    /// Ledger rows of DMARC and TLS reports sent (or decided not to send).
    public var sentReports: Int
    /// DMARC and TLS reports others sent, as `hato report list` and the dashboard show them.
    public var receivedReports: Int

    public init(evaluations: Int = 0, tlsSessions: Int = 0, sentReports: Int = 0, receivedReports: Int = 0) {
        self.evaluations = evaluations
        self.tlsSessions = tlsSessions
        self.sentReports = sentReports
        self.receivedReports = receivedReports
    }
}

/// Report data kept for a while, then deleted (`dmarc.evaluation_retention`,
/// `dmarc.report_retention`): without it every message's DMARC evaluation and every imported
/// report stays in the store for ever.
public protocol ReportRetention: Sendable {
    /// Deletes DMARC evaluations made before `workingBefore`, TLS session counts of days and the
    /// sent ledger rows of DMARC and TLS periods that ended before it, and DMARC and TLS reports
    /// received before `receivedBefore`. Callers keep `workingBefore` older than the longest
    /// catch-up of the report senders, so that no period is reported twice.
    func pruneReportData(workingBefore: Date, receivedBefore: Date) async throws -> PrunedReportData
}
