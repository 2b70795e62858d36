// The XML of an aggregate report, in the order of RFC 9990 Appendix A (feedback: version,
// report_metadata, policy_published, record...; elements in the dmarc-2.0 namespace). Written
// by hand: the schema is small and a writer has nothing to parse.

import MailCore

extension AggregateReport {
    /// RFC 9990 §3.1 / Appendix A target namespace.
    public static let namespace = "urn:ietf:params:xml:ns:dmarc-2.0"

    /// The UTF-8 XML document.
    public func xml() -> String {
        var out = XMLWriter()
        out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        out.open("feedback", attributes: " xmlns=\"\(Self.namespace)\"")
        if let version { out.element("version", version) }
        out.open("report_metadata")
        out.element("org_name", metadata.orgName)
        out.element("email", metadata.email)
        out.element("extra_contact_info", metadata.extraContactInfo)
        out.element("report_id", metadata.reportID)
        out.open("date_range")
        out.element("begin", String(metadata.begin))
        out.element("end", String(metadata.end))
        out.close("date_range")
        for error in metadata.errors { out.element("error", error) }
        out.element("generator", metadata.generator)
        out.close("report_metadata")
        out.open("policy_published")
        out.element("domain", policyPublished.domain)
        out.element("adkim", policyPublished.adkim)
        out.element("aspf", policyPublished.aspf)
        out.element("p", policyPublished.p)
        out.element("sp", policyPublished.sp)
        out.element("np", policyPublished.np)
        out.element("testing", policyPublished.testing)
        out.element("fo", policyPublished.fo)
        out.element("discovery_method", policyPublished.discoveryMethod)
        out.close("policy_published")
        for record in records { out.record(record) }
        out.close("feedback")
        return out.text
    }
}

struct XMLWriter {
    var text = ""
    var depth = 0

    mutating func raw(_ string: String) { text += string }

    mutating func open(_ name: String, attributes: String = "") {
        text += String(repeating: "  ", count: depth) + "<\(name)\(attributes)>\n"
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        text += String(repeating: "  ", count: depth) + "</\(name)>\n"
    }

    /// An element with text content; nothing for nil.
    mutating func element(_ name: String, _ value: String?) {
        guard let value else { return }
        text += String(repeating: "  ", count: depth) + "<\(name)>\(XMLText.escaped(value))</\(name)>\n"
    }

    mutating func record(_ record: AggregateReport.Record) {
        open("record")
        open("row")
        element("source_ip", record.sourceIP)
        element("count", String(record.count))
        open("policy_evaluated")
        element("disposition", record.disposition)
        element("dkim", record.dkim)
        element("spf", record.spf)
        for reason in record.reasons {
            open("reason")
            element("type", reason.type)
            element("comment", reason.comment)
            close("reason")
        }
        close("policy_evaluated")
        close("row")
        open("identifiers")
        element("envelope_to", record.envelopeTo)
        element("envelope_from", record.envelopeFrom)
        element("header_from", record.headerFrom)
        close("identifiers")
        open("auth_results")
        for dkim in record.dkimResults {
            open("dkim")
            element("domain", dkim.domain)
            element("selector", dkim.selector)
            element("result", dkim.result)
            element("human_result", dkim.humanResult)
            close("dkim")
        }
        for spf in record.spfResults {
            open("spf")
            element("domain", spf.domain)
            element("scope", spf.scope)
            element("result", spf.result)
            element("human_result", spf.humanResult)
            close("spf")
        }
        close("auth_results")
        close("record")
    }
}
