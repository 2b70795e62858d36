import DMARCReport
import MailCore

/// The `[tls_reports]` keys, checked and typed (docs/transport-security.md "TLS-RPT").
public struct TLSReportSettings: Sendable {
    public var send: Bool
    public var from: EmailAddress?
    public var submitter: TLSReportBuilder.Submitter?
    public var maxFailureDetails: Int
    public var receive: Bool
    /// Lowercased addresses whose mail is read for reports.
    public var reportAddresses: [String]
    public var maxReportSize: Int

    init(string: (String) -> String?, int: (String) -> Int, list: (String) -> [String]?, hostname: String) throws {
        send = (string("tls_reports.send") ?? "off") == "on"
        let fromText = string("tls_reports.from") ?? ""
        if !fromText.isEmpty {
            guard let address = try? EmailAddress(fromText) else {
                throw ConfigKeyError(path: "tls_reports.from", message: "\"\(fromText)\" is not an email address")
            }
            from = address
        }
        if send, from == nil { throw ConfigKeyError(path: "tls_reports.from", message: "required when tls_reports.send = on") }
        let organization = string("tls_reports.org_name").flatMap { $0.isEmpty ? nil : $0 } ?? hostname
        submitter = from.map { TLSReportBuilder.Submitter(organizationName: organization, contact: $0.description) }
        maxFailureDetails = int("tls_reports.max_failure_details")
        receive = (string("tls_reports.receive") ?? "on") == "on"
        var addresses = (list("tls_reports.report_addresses") ?? []).map { $0.lowercased() }
        for address in addresses where (try? EmailAddress(address)) == nil {
            throw ConfigKeyError(path: "tls_reports.report_addresses", message: "\"\(address)\" is not an email address")
        }
        if addresses.isEmpty, let from { addresses = [from.description.lowercased()] }
        reportAddresses = addresses
        maxReportSize = int("tls_reports.max_report_size")
    }
}
