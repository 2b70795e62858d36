// Reading aggregate reports from any reporter (RFC 9990 Appendix A; RFC 7489 Appendix C for
// the reports most still send): elements are matched by local name whatever their namespace
// (none, dmarc.org's 0.1, or urn:ietf:params:xml:ns:dmarc-2.0), unknown elements and extensions
// are skipped, and every size is bounded (DMARCReportLimits). A DOCTYPE is refused before the
// parser sees the document, so no entity is ever defined, let alone expanded. The XML is read by
// ReportXMLTokenizer, not FoundationXML: under the fuzzer FoundationXML's XMLParser trapped on a
// mutated report and leaked on every malformed one, and this runs inside the SMTP server.

import Foundation

public enum AggregateReportParser {
    public static func parse(_ xml: [UInt8], limits: DMARCReportLimits = DMARCReportLimits()) throws(DMARCReportError) -> AggregateReport {
        guard xml.count <= limits.maxXMLBytes else { throw .limitExceeded("maxXMLBytes") }
        if containsDoctype(xml) { throw .doctypeRefused }
        let reader = AggregateReportReader(limits: limits)
        try ReportXMLTokenizer.read(xml, into: reader)
        return try reader.finish()
    }

    /// "<!DOCTYPE" anywhere, in any case: a report never needs one (XML 1.0 §2.8).
    static func containsDoctype(_ bytes: [UInt8]) -> Bool {
        let pattern = Array("<!doctype".utf8)
        guard bytes.count >= pattern.count else { return false }
        var index = 0
        while index <= bytes.count - pattern.count {
            if bytes[index] == 0x3C, bytes[index + 1] == 0x21 {
                var matched = true
                for offset in 2..<pattern.count where bytes[index + offset] | 0x20 != pattern[offset] {
                    matched = false
                    break
                }
                if matched { return true }
            }
            index += 1
        }
        return false
    }
}

/// What the tokenizer reports to: a path of local names, the text of the current element, and
/// the report being filled in. The first error stops the read.
final class AggregateReportReader {
    let limits: DMARCReportLimits
    var path: [String] = []
    var text: [UInt8] = []

    var version: String?
    var metadata: [String: String] = [:]
    var errors: [String] = []
    var begin: Int64?
    var end: Int64?
    var policy: [String: String] = [:]
    var records: [AggregateReport.Record] = []
    var record = RecordFields()
    var dkim: [String: String] = [:]
    var spf: [String: String] = [:]
    var reason: [String: String] = [:]

    struct RecordFields {
        var row: [String: String] = [:]
        var identifiers: [String: String] = [:]
        var reasons: [AggregateReport.Reason] = []
        var dkim: [AggregateReport.DKIMAuth] = []
        var spf: [AggregateReport.SPFAuth] = []
    }

    init(limits: DMARCReportLimits) { self.limits = limits }

    func startElement(_ elementName: String) throws(DMARCReportError) {
        let name = Self.localName(elementName)
        if path.isEmpty, name != "feedback" { throw .notAggregateReport }
        guard path.count < limits.maxDepth else { throw .limitExceeded("maxDepth") }
        path.append(name)
        text.removeAll(keepingCapacity: true)
        if path == ["feedback", "record"] {
            guard records.count < limits.maxRecords else { throw .limitExceeded("maxRecords") }
            record = RecordFields()
        }
        if path.count == 4, path[1] == "record", path[2] == "auth_results" {
            guard record.dkim.count + record.spf.count < limits.maxAuthResultsPerRecord else { throw .limitExceeded("maxAuthResultsPerRecord") }
            dkim = [:]
            spf = [:]
        }
        if path.count == 5, path[3] == "policy_evaluated", name == "reason" { reason = [:] }
    }

    func characters(_ utf8: some Collection<UInt8>) throws(DMARCReportError) {
        guard !path.isEmpty else { return }
        text.append(contentsOf: utf8)
        if text.count > limits.maxTextBytes { throw .limitExceeded("maxTextBytes") }
    }

    func endElement() throws(DMARCReportError) {
        guard !path.isEmpty else { return }
        let value = String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        text.removeAll(keepingCapacity: true)
        try assign(value)
        path.removeLast()
    }

    /// Puts the text of the element that just ended where it belongs.
    func assign(_ value: String) throws(DMARCReportError) {
        let name = path[path.count - 1]
        switch path.count {
        case 2 where name == "version": version = value
        case 3 where path[1] == "report_metadata":
            if name == "error" { errors.append(value) } else { metadata[name] = value }
        case 4 where path[1] == "report_metadata" && path[2] == "date_range":
            guard let seconds = Int64(value.split(separator: ".").first ?? "") else { throw .invalidValue(element: name, value: value) }
            if name == "begin" { begin = seconds } else if name == "end" { end = seconds }
        case 3 where path[1] == "policy_published": policy[name] = value
        case 2 where name == "record": records.append(try finishRecord())
        case 4 where path[1] == "record" && path[2] == "row": record.row[name] = value
        case 5 where path[1] == "record" && path[3] == "policy_evaluated" && name != "reason": record.row[name] = value
        case 6 where path[3] == "policy_evaluated" && path[4] == "reason": reason[name] = value
        case 4 where path[1] == "record" && path[2] == "identifiers": record.identifiers[name] = value
        case 5 where path[1] == "record" && path[2] == "auth_results" && path[3] == "dkim": dkim[name] = value
        case 5 where path[1] == "record" && path[2] == "auth_results" && path[3] == "spf": spf[name] = value
        case 4 where path[1] == "record" && path[2] == "auth_results" && name == "dkim":
            guard let domain = dkim["domain"], let result = dkim["result"] else { throw .missingElement("auth_results/dkim/result") }
            record.dkim.append(.init(domain: domain, selector: dkim["selector"], result: result.lowercased(), humanResult: dkim["human_result"]))
        case 4 where path[1] == "record" && path[2] == "auth_results" && name == "spf":
            guard let domain = spf["domain"], let result = spf["result"] else { throw .missingElement("auth_results/spf/result") }
            record.spf.append(.init(domain: domain, scope: spf["scope"], result: result.lowercased(), humanResult: spf["human_result"]))
        default:
            if path.count == 5, path[3] == "policy_evaluated", name == "reason" {
                guard let type = reason["type"] else { throw .missingElement("reason/type") }
                record.reasons.append(.init(type: type, comment: reason["comment"]))
            }
        }
    }

    func finishRecord() throws(DMARCReportError) -> AggregateReport.Record {
        guard let sourceIP = record.row["source_ip"] else { throw .missingElement("source_ip") }
        guard Self.isIPAddress(sourceIP) else { throw .invalidValue(element: "source_ip", value: sourceIP) }
        guard let countText = record.row["count"] else { throw .missingElement("count") }
        guard let count = Int(countText), count >= 0, count <= 1_000_000_000 else { throw .invalidValue(element: "count", value: countText) }
        guard let headerFrom = record.identifiers["header_from"], !headerFrom.isEmpty else { throw .missingElement("header_from") }
        return AggregateReport.Record(
            sourceIP: sourceIP, count: count, disposition: (record.row["disposition"] ?? "none").lowercased(),
            dkim: (record.row["dkim"] ?? "fail").lowercased(), spf: (record.row["spf"] ?? "fail").lowercased(), reasons: record.reasons,
            envelopeTo: record.identifiers["envelope_to"], envelopeFrom: record.identifiers["envelope_from"], headerFrom: headerFrom,
            dkimResults: record.dkim, spfResults: record.spf)
    }

    func finish() throws(DMARCReportError) -> AggregateReport {
        for required in ["org_name", "report_id"] where (metadata[required] ?? "").isEmpty { throw .missingElement(required) }
        guard let begin, let end else { throw .missingElement("date_range") }
        guard let domain = policy["domain"], !domain.isEmpty else { throw .missingElement("policy_published/domain") }
        return AggregateReport(
            version: version,
            metadata: .init(orgName: metadata["org_name"]!, email: metadata["email"] ?? "", extraContactInfo: metadata["extra_contact_info"],
                            reportID: metadata["report_id"]!, begin: begin, end: end, errors: errors, generator: metadata["generator"]),
            policyPublished: .init(domain: domain, adkim: policy["adkim"], aspf: policy["aspf"], p: policy["p"] ?? "none", sp: policy["sp"],
                                   np: policy["np"], testing: policy["testing"], fo: policy["fo"], discoveryMethod: policy["discovery_method"]),
            records: records)
    }

    /// "dmarc:feedback" and "feedback" are the same element.
    static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    /// IPv4 dotted quad or an IPv6 text form (RFC 4291 §2.2), checked with inet_pton.
    static func isIPAddress(_ text: String) -> Bool {
        // inet_pton reads a C string: a NUL would end the address early.
        guard !text.utf8.contains(0) else { return false }
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
