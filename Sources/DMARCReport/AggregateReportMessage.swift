// The message that carries an aggregate report (RFC 9990 §4.4 email transport, as RFC 7489
// §7.2.1.1 had it): Subject "Report Domain: D Submitter: S Report-ID: <id>", the XML gzipped as
// an application/gzip attachment named receiver!policy-domain!begin!end!unique-id.xml.gz, and a
// short human part. It is multipart/mixed, not multipart/report: RFC 6522 §3 needs a registered
// report-type whose machine part follows it, and aggregate reports have none; receivers
// (parsedmarc among them) look for the gzip attachment in any multipart.

import BoundedZlib
import Foundation
import MailMessage

public enum AggregateReportMessage {
    /// The gzip attachment's file name (RFC 9990 §4.4 filename ABNF).
    public static func filename(for report: AggregateReport) -> String {
        let receiver = safe(report.metadata.orgName)
        let unique = safe(report.metadata.reportID)
        return "\(receiver)!\(safe(report.policyPublished.domain))!\(report.metadata.begin)!\(report.metadata.end)!\(unique).xml.gz"
    }

    /// The gzipped XML document.
    public static func gzippedXML(_ report: AggregateReport) -> [UInt8] {
        BoundedDeflate.deflate(Array(report.xml().utf8), format: .gzip)
    }

    /// The whole RFC 5322 message, CRLF-terminated, ready for the outbound queue (which signs it).
    public static func message(for report: AggregateReport, from: String, to: [String], date: Date, messageIDDomain: String) -> [UInt8] {
        var builder = MessageBuilder()
        builder.from = [mailbox(from, displayName: "DMARC aggregate reports")]
        builder.to = to.map { mailbox($0, displayName: nil) }
        builder.subject = subject(for: report)
        builder.date = date
        builder.timeZone = TimeZone(identifier: "UTC")!
        builder.messageIDDomain = messageIDDomain
        let begin = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(report.metadata.begin)))
        let end = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(report.metadata.end)))
        builder.textBody = """
            This is a DMARC aggregate report (RFC 9990) from \(report.metadata.orgName) for \(report.policyPublished.domain),
            covering \(begin) to \(end): \(report.records.count) records, \(report.messageCount) messages.
            The report is the attached gzip-compressed XML file.

            """
        builder.attachments = [.init(filename: filename(for: report), contentType: "application/gzip", data: gzippedXML(report))]
        return builder.build()
    }

    /// RFC 9990 §4.4: "Report Domain:" policy domain, "Submitter:" reporter, "Report-ID:" in brackets.
    public static func subject(for report: AggregateReport) -> String {
        "Report Domain: \(report.policyPublished.domain) Submitter: \(report.metadata.orgName) Report-ID: <\(report.metadata.reportID)>"
    }

    static func mailbox(_ address: String, displayName: String?) -> Mailbox {
        guard let at = address.lastIndex(of: "@") else { return Mailbox(displayName: displayName, localPart: address, domain: nil) }
        return Mailbox(displayName: displayName, localPart: String(address[..<at]), domain: String(address[address.index(after: at)...]))
    }

    /// File name parts keep letters, digits, "." and "-" (the ABNF's atext without the specials that trouble file systems).
    static func safe(_ text: String) -> String {
        String(text.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "." || scalar == "-") ? Character(scalar) : "_"
        })
    }
}
