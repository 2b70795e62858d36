import Foundation

/// One aggregate report period Hato dealt with for one policy domain (RFC 9990 §3).
public struct DMARCSentReport: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        /// Handed to the outbound queue.
        case queued
        /// No destination consented (RFC 9990 §3 external destination check).
        case refused
        /// Larger than every destination's "!size" limit.
        case tooLarge = "too-large"
        /// rua= named no mailto: address Hato can send to.
        case noDestination = "no-destination"
        /// TLS-RPT only: sent by HTTPS POST to every `rua=https:` destination and to no address (RFC 8460 §5.3).
        case posted
    }

    public var periodBegin: Date
    public var periodEnd: Date
    public var policyDomain: String
    public var reportID: String
    public var outcome: Outcome
    public var destinations: [String]
    public var detail: String?

    public init(periodBegin: Date, periodEnd: Date, policyDomain: String, reportID: String, outcome: Outcome, destinations: [String],
                detail: String? = nil) {
        self.periodBegin = periodBegin
        self.periodEnd = periodEnd
        self.policyDomain = policyDomain
        self.reportID = reportID
        self.outcome = outcome
        self.destinations = destinations
        self.detail = detail
    }
}

/// An aggregate report someone sent to this server, parsed or kept with its problem.
public struct DMARCReceivedReport: Sendable, Equatable {
    public var id: Int64?
    public var receivedAt: Date
    /// org_name; for a report that did not parse, the message's sender.
    public var reporter: String
    public var reportID: String
    public var policyDomain: String
    public var periodBegin: Date
    public var periodEnd: Date
    public var messageCount: Int
    public var recordCount: Int
    /// The parsed report as JSON (DMARCReport.AggregateReport); nil when it did not parse.
    public var reportJSON: String?
    public var problem: String?
    /// The attachment as received, kept only when it did not parse.
    public var attachment: [UInt8]?

    public init(id: Int64? = nil, receivedAt: Date, reporter: String, reportID: String, policyDomain: String, periodBegin: Date,
                periodEnd: Date, messageCount: Int, recordCount: Int, reportJSON: String?, problem: String? = nil, attachment: [UInt8]? = nil) {
        self.id = id
        self.receivedAt = receivedAt
        self.reporter = reporter
        self.reportID = reportID
        self.policyDomain = policyDomain
        self.periodBegin = periodBegin
        self.periodEnd = periodEnd
        self.messageCount = messageCount
        self.recordCount = recordCount
        self.reportJSON = reportJSON
        self.problem = problem
        self.attachment = attachment
    }
}

/// What the DMARC report scheduler and the report intake keep (store migration v11-dmarc-reports).
public protocol DMARCReportLedger: Sendable {
    /// Records a period's report for one domain; false when that period and domain already have
    /// a row (another run got there first): the caller then sends nothing.
    func recordDMARCReportSent(_ report: DMARCSentReport) async throws -> Bool
    /// Records the period (outcome queued) and enqueues the report message in one transaction,
    /// so a crash can neither lose nor repeat it; nil, with nothing queued, when the period and
    /// domain already have a row.
    func enqueueDMARCReport(_ message: OutboundMessage, sent report: DMARCSentReport) async throws -> QueueMessageID?
    /// Reports dealt with whose period began at or after `since`, oldest first.
    func dmarcReportsSent(since: Date) async throws -> [DMARCSentReport]
    /// The end of the latest period with a row, nil before the first report.
    func latestDMARCReportPeriodEnd() async throws -> Date?
    /// Stores a received report; returns it with its id, or nil when the same reporter's
    /// report id is already stored (a resend).
    func storeDMARCReceivedReport(_ report: DMARCReceivedReport) async throws -> DMARCReceivedReport?
    /// Received reports, newest period first; for one policy domain and from a date when given.
    func dmarcReceivedReports(domain: String?, since: Date?, limit: Int) async throws -> [DMARCReceivedReport]
    func dmarcReceivedReport(id: Int64) async throws -> DMARCReceivedReport?
}
