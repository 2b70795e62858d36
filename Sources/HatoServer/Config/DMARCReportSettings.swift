import DMARCReport
import Foundation
import MailCore

/// The `[dmarc]` reporting keys, checked and typed (docs/dmarc-reports.md).
public struct DMARCReportSettings: Sendable {
    public var send: Bool
    /// Seconds; divides 86,400 so periods start at UTC midnight.
    public var period: Int
    public var from: EmailAddress?
    public var reporter: ReporterIdentity?
    public var receive: Bool
    /// Lowercased addresses whose mail is read for reports.
    public var reportAddresses: [String]
    public var limits: DMARCReportLimits
    /// `dmarc.failure_reports` (RFC 9991) and its hourly limit per reported domain.
    public var failureReports: Bool
    public var failureReportLimit: Int
    /// Seconds evaluations, TLS session counts and the sent ledgers are kept (`pruneReportData`).
    public var evaluationRetention: Int
    /// Seconds received reports are kept; 0: for ever.
    public var reportRetention: Int

    init(string: (String) -> String?, int: (String) -> Int, list: (String) -> [String]?, hostname: String) throws {
        send = (string("dmarc.send_reports") ?? "off") == "on"
        period = int("dmarc.report_period")
        guard period >= 3600, period <= 86_400, 86_400 % period == 0 else {
            throw ConfigKeyError(path: "dmarc.report_period", message: "must divide 24 h and be at least 1 h (periods align to UTC midnight)")
        }
        let fromText = string("dmarc.report_from") ?? ""
        if !fromText.isEmpty {
            guard let address = try? EmailAddress(fromText) else {
                throw ConfigKeyError(path: "dmarc.report_from", message: "\"\(fromText)\" is not an email address")
            }
            from = address
        }
        if send, from == nil { throw ConfigKeyError(path: "dmarc.report_from", message: "required when dmarc.send_reports = on") }
        let orgName = string("dmarc.report_org_name").flatMap { $0.isEmpty ? nil : $0 } ?? hostname
        let contact = string("dmarc.report_contact").flatMap { $0.isEmpty ? nil : $0 }
        reporter = from.map { ReporterIdentity(orgName: orgName, email: $0.description, extraContactInfo: contact) }
        receive = (string("dmarc.receive_reports") ?? "on") == "on"
        var addresses = (list("dmarc.report_addresses") ?? []).map { $0.lowercased() }
        for address in addresses where (try? EmailAddress(address)) == nil {
            throw ConfigKeyError(path: "dmarc.report_addresses", message: "\"\(address)\" is not an email address")
        }
        if addresses.isEmpty, let from { addresses = [from.description.lowercased()] }
        reportAddresses = addresses
        limits = DMARCReportLimits(maxXMLBytes: int("dmarc.max_report_xml_size"), maxRecords: int("dmarc.max_report_records"))
        failureReports = (string("dmarc.failure_reports") ?? "off") == "on"
        failureReportLimit = int("dmarc.failure_report_limit")
        evaluationRetention = int("dmarc.evaluation_retention")
        guard evaluationRetention >= 8 * 86_400 else {
            throw ConfigKeyError(path: "dmarc.evaluation_retention", message: "must be at least 8 days: reports catch up on a week")
        }
        reportRetention = int("dmarc.report_retention")
        if failureReports, from == nil {
            throw ConfigKeyError(path: "dmarc.report_from", message: "required when dmarc.failure_reports = on")
        }
    }
}
