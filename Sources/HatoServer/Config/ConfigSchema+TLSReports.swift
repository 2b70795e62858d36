// `[tls_reports]`: TLS-RPT aggregate reports sent (RFC 8460, issue 19, docs/transport-security.md).

extension ConfigSchema {
    static let tlsReportKeys: [ConfigKey] = [
        key("tls_reports.send", .choice(["on", "off"]), .string("off"),
            "Send a daily RFC 8460 TLS report to each recipient domain that publishes a _smtp._tls TXT record with rua=mailto:, about the outbound sessions to it."),
        key("tls_reports.from", .string, nil,
            "The address TLS reports are sent from (their contact-info); required when send = on. Its domain is the TLS-Report-Submitter and its DKIM key signs them."),
        key("tls_reports.org_name", .string, nil, "organization-name in the reports sent; the hostname when not set."),
        key("tls_reports.receive", .choice(["on", "off"]), .string("on"),
            "Read TLS reports (application/tlsrpt+gzip or +json parts with a DKIM signature by the reporting domain) in mail to tls_reports.report_addresses, for `hato report list --tls`."),
        key("tls_reports.report_addresses", .stringList, .list([]),
            "Local addresses whose incoming mail is read for TLS reports; tls_reports.from's address when empty."),
        key("tls_reports.max_report_size", .size, .int(4 * 1024 * 1024),
            "Largest received report JSON read, after decompression; a larger one is kept unread and flagged."),
        key("tls_reports.max_failure_details", .integer(min: 1, max: 1_000_000), .int(1000),
            "Most failure-details entries per policy in one report (the largest counts first; the totals count every session)."),
    ]
}
