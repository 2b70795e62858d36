import Foundation

/// One counted TLS outcome of outbound sessions (RFC 8460 §4): a UTC day, the policy that applied
/// to the MX host, and the result. Rows with the same key add up their `count`.
public struct TLSSessionResult: Sendable, Equatable, Codable {
    /// RFC 8460 §4.4 "policy-type".
    public enum PolicyType: String, Sendable, Codable {
        case tlsa, sts
        case noPolicyFound = "no-policy-found"
    }

    /// Start of the UTC day the session began in.
    public var day: Date
    /// The recipient domain (A-labels, lowercased).
    public var policyDomain: String
    public var policyType: PolicyType
    /// RFC 8460 §4.5: the TLSA records ("3 1 1 ab…") or the MTA-STS policy lines; empty for no policy.
    public var policyStrings: [String]
    /// The MX host the session went to ("receiving-mx-hostname").
    public var mxHost: String
    /// "success" or an RFC 8460 §4.3 result type ("starttls-not-supported", "tlsa-invalid", …).
    public var resultType: String
    /// The address connected to; empty when the failure came before a connection (a DNS failure).
    public var receivingIP: String
    /// RFC 8460 §4.4 "failure-reason-code": the error text; empty for successes.
    public var reasonCode: String
    public var count: Int

    public static let success = "success"

    public init(day: Date, policyDomain: String, policyType: PolicyType, policyStrings: [String], mxHost: String, resultType: String,
                receivingIP: String = "", reasonCode: String = "", count: Int = 1) {
        self.day = day
        self.policyDomain = policyDomain
        self.policyType = policyType
        self.policyStrings = policyStrings
        self.mxHost = mxHost
        self.resultType = resultType
        self.receivingIP = receivingIP
        self.reasonCode = reasonCode
        self.count = count
    }

    /// The UTC midnight at or before `date`.
    public static func day(of date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
    }
}

/// A TLS report day dealt with for one policy domain: the same row as DMARC's ledger keeps.
public typealias TLSSentReport = DMARCSentReport
/// A TLS report someone sent us, in the shape of a received DMARC report: `reporter` is the
/// organization-name, `messageCount` the successful and `recordCount` the failed sessions,
/// `reportJSON` the RFC 8460 JSON.
public typealias TLSReceivedReport = DMARCReceivedReport

/// What TLS-RPT keeps (store migration v14-requiretls-tlsrpt): the outcomes counted as sessions
/// end, and the ledger of reports sent, written in the transaction that queues the report so a
/// day is neither lost nor sent twice (as `DMARCReportLedger`).
public protocol TLSReportLedger: Sendable {
    /// Adds `result.count` to the row with the same key, or inserts it.
    func recordTLSSession(_ result: TLSSessionResult) async throws
    /// The rows of the days in [from, to), ordered by domain.
    func tlsSessions(from: Date, to: Date) async throws -> [TLSSessionResult]
    /// Records a day's report for one domain without sending one; false when it already has a row.
    func recordTLSReportSent(_ report: TLSSentReport) async throws -> Bool
    /// Records the day (outcome queued) and enqueues the report in one transaction; nil, with
    /// nothing queued, when the day and domain already have a row.
    func enqueueTLSReport(_ message: OutboundMessage, sent report: TLSSentReport) async throws -> QueueMessageID?
    /// Reports dealt with whose day began at or after `since`, oldest first.
    func tlsReportsSent(since: Date) async throws -> [TLSSentReport]
    /// The end of the latest day with a row, nil before the first report.
    func latestTLSReportPeriodEnd() async throws -> Date?
    /// Stores a received report; nil when the same reporter's report id is already stored.
    func storeTLSReceivedReport(_ report: TLSReceivedReport) async throws -> TLSReceivedReport?
    /// Received reports, newest period first; for one policy domain and from a date when given.
    func tlsReceivedReports(domain: String?, since: Date?, limit: Int) async throws -> [TLSReceivedReport]
    /// One received report by its row id (`hato report show --tls`); nil when there is none.
    func tlsReceivedReport(id: Int64) async throws -> TLSReceivedReport?
}
