import Foundation
import MailMessage
import SieveProtocol

/// RFC 5235 spamtest/virustest inputs for one message (docs/sieve.md "Spam and virus tests"):
/// only what Hato itself wrote is believed.
extension SieveFilter {
    /// The field the risk stage writes (Reception's `RiskStage.headerName`). Every incoming one is
    /// removed at reception on every listener, so the one on top is ours.
    static let riskField = "Hato-Risk"

    /// The fields content filters write that spamtest/virustest read, and how.
    static let filterReaders: [(name: String, read: @Sendable (String) -> SieveAssessment?)] = [
        ("X-Spamd-Result", SieveAssessment.rspamd),       // rspamd milter_headers
        ("X-Spam-Status", SieveAssessment.spamAssassin),  // spamass-milter
        ("X-Virus-Status", SieveAssessment.clamAV),       // clamav-milter AddHeader
    ]

    /// The assessment of `request`'s message: `Hato-Risk` (scaled by `maxScore`), combined with
    /// the fields a configured milter wrote in this transaction and that the message still
    /// carries with the same value. A field of the same name that came with the message is
    /// never read: only `request.filterFields` vouch for one.
    static func assessment(of request: DeliveryRequest, header: HeaderSection, maxScore: Double) -> SieveAssessment {
        var result = SieveAssessment()
        if let risk = header.fields(named: riskField).first, let assessed = SieveAssessment.hatoRisk(risk.value, maxScore: maxScore) {
            result = result.combined(with: assessed)
        }
        for (name, read) in filterReaders {
            let present = Set(header.fields(named: name).map { trim($0.value) })
            for field in request.filterFields where field.name.lowercased() == name.lowercased() && present.contains(trim(field.value)) {
                if let assessed = read(trim(field.value)) { result = result.combined(with: assessed) }
            }
        }
        return result
    }

    /// RFC 5183 §4.1 items: Hato runs scripts at final delivery ("MDA", "during"); "remote-ip"
    /// only for mail received over SMTP; "remote-host" is not looked up, so it is left out.
    static func environment(of request: DeliveryRequest, hostname: String?, version: String) -> [String: String] {
        var items = ["location": "MDA", "phase": "during", "name": "Hato"]
        if !version.isEmpty { items["version"] = version }
        if let host = request.serverHost ?? hostname, !host.isEmpty {
            items["host"] = host
            // The primary DNS domain of the host (RFC 5183 §4.1 "domain"): its name without the first label.
            if let dot = host.firstIndex(of: "."), host.index(after: dot) < host.endIndex { items["domain"] = String(host[host.index(after: dot)...]) }
        }
        if let address = request.clientAddress, !address.isEmpty { items["remote-ip"] = address }
        return items
    }

    /// Unfolded (RFC 5322 §2.2.3: line breaks removed) and trimmed, so a folded field compares
    /// equal to the value the filter sent with LF line breaks.
    private static func trim(_ value: String) -> String {
        String(value.unicodeScalars.filter { $0 != "\r" && $0 != "\n" }).trimmingCharacters(in: .whitespaces)
    }
}
