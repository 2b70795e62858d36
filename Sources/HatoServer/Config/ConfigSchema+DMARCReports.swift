// `[dmarc]` reporting keys: aggregate reports sent (RFC 9990) and received (issue 22, docs/dmarc-reports.md).

extension ConfigSchema {
    static let dmarcReportKeys: [ConfigKey] = [
        key("dmarc.send_reports", .choice(["on", "off"]), .string("off"),
            "Send RFC 9990 aggregate reports to the rua= addresses of the domains whose mail the smtp listener evaluated (needs dmarc.record = on)."),
        key("dmarc.report_period", .duration, .int(86_400),
            "Length of a reporting period; periods are aligned to UTC midnight, so it must divide 24 h (1 h at least)."),
        key("dmarc.report_from", .string, nil,
            "The address reports are sent from (and replies go to), e.g. dmarc-reports@example.com; required when send_reports = on. Its domain's DKIM key signs them."),
        key("dmarc.report_org_name", .string, nil,
            "org_name in the reports sent; the hostname when not set."),
        key("dmarc.report_contact", .string, nil,
            "extra_contact_info in the reports sent (a URL or a phone number); none when not set."),
        key("dmarc.receive_reports", .choice(["on", "off"]), .string("on"),
            "Read aggregate reports (XML, gzip or ZIP attachments) in mail delivered to dmarc.report_addresses and keep them for `hato report list`."),
        key("dmarc.report_addresses", .stringList, .list([]),
            "Local addresses whose incoming mail is checked for aggregate reports; dmarc.report_from's address when empty."),
        key("dmarc.max_report_xml_size", .size, .int(32 * 1024 * 1024),
            "Largest report XML read after decompression; a larger report is kept unparsed and flagged."),
        key("dmarc.max_report_records", .integer(min: 1, max: 10_000_000), .int(100_000),
            "Most record elements read from one received report."),
        key("dmarc.failure_reports", .choice(["on", "off"]), .string("off"),
            "Send RFC 9991 failure reports (ARF, the failed message's header only) to ruf= addresses when fo= asks; needs report_from. Off by default: they reveal who writes to whom."),
        key("dmarc.failure_report_limit", .integer(min: 1, max: 100_000), .int(10),
            "Most failure reports sent per reported domain in an hour; the rest are dropped."),
        key("dmarc.evaluation_retention", .duration, .int(31 * 86_400),
            "How long DMARC evaluations, counted TLS sessions and the ledger of reports sent are kept (the input of the reports Hato sends); at least 8 days, so a week of catch-up is never reported twice."),
        key("dmarc.report_retention", .duration, .int(400 * 86_400),
            "How long DMARC and TLS reports others sent are kept for hato report list and the dashboard; 0 keeps them for ever."),
    ]

    /// The reporting keys right after `dmarc.record`: the rendered configuration has one
    /// [dmarc] table, so its keys stay together.
    static func afterDMARCRecord(_ keys: [ConfigKey], _ reporting: [ConfigKey]) -> [ConfigKey] {
        guard let index = keys.firstIndex(where: { $0.path == "dmarc.record" }) else { return keys + reporting }
        return Array(keys[...index]) + reporting + Array(keys[(index + 1)...])
    }
}
