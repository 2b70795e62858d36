import DMARCReport
import Foundation
import HatoServer
import HatoTesting
import MailStore
import MailStoreSQLite
import Testing

/// Received reports: stored once per reporter and report id, a resend recognised; an attachment
/// that does not parse (here an XML bomb) is kept with its problem, never dropped.
@Suite struct DMARCReportIntakeTests {
    static let report = """
        <?xml version="1.0"?><feedback><report_metadata><org_name>Mail.Example</org_name><email>d@mail.example</email>
        <report_id>r-1</report_id><date_range><begin>1764806400</begin><end>1764892799</end></date_range></report_metadata>
        <policy_published><domain>own.example</domain><p>reject</p></policy_published>
        <record><row><source_ip>192.0.2.9</source_ip><count>7</count><policy_evaluated><disposition>reject</disposition>
        <dkim>fail</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>own.example</header_from></identifiers>
        <auth_results><spf><domain>own.example</domain><result>fail</result></spf></auth_results></record></feedback>
        """

    @Test func storedOnceAndBadOnesKept() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-dmarc-intake")
        let store = try SQLiteMailStore(directory: directory.url)
        let gzipped = AggregateReportMessage.gzippedXML(try AggregateReportParser.parse(Array(Self.report.utf8)))
        let first = try await DMARCReportIntake.importAttachment(gzipped, sender: "d@mail.example", name: "r.xml.gz",
                                                                 limits: DMARCReportLimits(), store: store)
        guard case .stored(let row) = first else { Issue.record("stored: \(first)"); return }
        #expect(row.policyDomain == "own.example" && row.messageCount == 7 && row.recordCount == 1)
        #expect(DMARCReportIntake.report(of: row)?.records.first?.sourceIP == "192.0.2.9")
        let again = try await DMARCReportIntake.importAttachment(Array(Self.report.utf8), sender: "d@mail.example", name: "r.xml",
                                                                 limits: DMARCReportLimits(), store: store)
        #expect(again == .duplicate(reporter: "Mail.Example", reportID: "r-1"))

        let bomb = Array(#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><feedback>&a;</feedback>"#.utf8)
        let flagged = try await DMARCReportIntake.importAttachment(bomb, sender: "x@bad.example", name: "x.xml", limits: DMARCReportLimits(),
                                                                   store: store)
        guard case .flagged(let kept) = flagged else { Issue.record("flagged: \(flagged)"); return }
        #expect(kept.problem == "report has a DOCTYPE declaration (refused)")
        #expect(kept.attachment == bomb)
        #expect(try await store.dmarcReceivedReports(domain: nil, since: nil, limit: 10).count == 2)
    }
}
