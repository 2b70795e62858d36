import BoundedZlib
import DNSMessage
import Foundation
import HatoTesting
import MailStore
import Testing
@testable import DMARCReport

/// Evaluations become one report per policy domain with one counted record per source and result
/// set; the XML reads back the same, and parsedmarc (PyPI), an independent parser, reads the
/// message Hato would send.
@Suite struct AggregateReportBuilderTests {
    static let begin = Date(timeIntervalSince1970: 1_764_806_400)
    static let end = begin.addingTimeInterval(86_400)
    static let reporter = ReporterIdentity(orgName: "mx.hato.example", email: "dmarc-reports@hato.example")

    static func evaluation(_ ip: String, from: String = "example.org", aligned: Bool = true, at offset: TimeInterval = 60,
                           rua: [String] = ["mailto:dmarc@example.org!10m"]) -> DMARCEvaluationRecord {
        DMARCEvaluationRecord(
            evaluatedAt: begin.addingTimeInterval(offset), sourceIP: ip, headerFrom: from, envelopeFrom: aligned ? from : "bulk.example",
            envelopeTo: ["hato.example"], result: aligned ? "pass" : "fail", disposition: aligned ? "none" : "reject",
            policy: .init(domain: from, p: "reject", adkim: "r", aspf: "s", fo: "1"), evaluatedPolicy: "reject",
            dkimAligned: aligned, spfAligned: aligned,
            dkim: aligned ? [.init(domain: from, selector: "s1", result: "pass")] : [.init(domain: "bulk.example", selector: "k", result: "fail")],
            spfDomain: aligned ? from : "bulk.example", spfResult: aligned ? "pass" : "softfail", reportURIs: rua)
    }

    static var evaluations: [DMARCEvaluationRecord] {
        [evaluation("192.0.2.1"), evaluation("192.0.2.1", at: 120), evaluation("192.0.2.1", aligned: false, at: 180),
         evaluation("2001:db8::1", at: 240), evaluation("192.0.2.7", from: "other.example", at: 300, rua: ["mailto:r@other.example"]),
         evaluation("192.0.2.8", from: "quiet.example", rua: [])]
    }

    @Test func onePerPolicyDomainOneRecordPerResultSet() throws {
        let reports = AggregateReportBuilder.reports(from: Self.evaluations, begin: Self.begin, end: Self.end, reporter: Self.reporter)
        #expect(reports.map(\.report.policyPublished.domain) == ["example.org", "other.example"])
        let report = reports[0].report
        #expect(reports[0].reportURIs == ["mailto:dmarc@example.org!10m"])
        #expect(report.metadata.begin == 1_764_806_400 && report.metadata.end == 1_764_892_799)
        #expect(report.metadata.reportID == "example.org.1764806400.1764892799")
        #expect(report.records.map { "\($0.sourceIP) \($0.count) \($0.disposition) \($0.dkim) \($0.spf)" } ==
                ["192.0.2.1 2 none pass pass", "192.0.2.1 1 reject fail fail", "2001:db8::1 1 none pass pass"])
        #expect(report.records[1].dkimResults == [.init(domain: "bulk.example", selector: "k", result: "fail")])
        #expect(report.records[1].spfResults == [.init(domain: "bulk.example", scope: "mfrom", result: "softfail")])
        #expect(report.policyPublished == .init(domain: "example.org", adkim: "r", aspf: "s", p: "reject", sp: "reject", np: "reject",
                                                testing: "n", fo: "1", discoveryMethod: "treewalk"))
    }

    @Test func xmlReadsBackAndEscapes() throws {
        var report = try #require(AggregateReportBuilder.reports(from: Self.evaluations, begin: Self.begin, end: Self.end,
                                                                 reporter: Self.reporter).first).report
        report.metadata.extraContactInfo = "R&D <dmarc> \"team\"\u{1}"
        let xml = report.xml()
        #expect(xml.contains("<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">"))
        #expect(xml.contains("<extra_contact_info>R&amp;D &lt;dmarc&gt; &quot;team&quot;\u{FFFD}</extra_contact_info>"))
        var expected = report
        expected.metadata.extraContactInfo = "R&D <dmarc> \"team\"\u{FFFD}"
        #expect(try AggregateReportParser.parse(Array(xml.utf8)) == expected)
        #expect(try ReportAttachment.report(from: AggregateReportMessage.gzippedXML(report)) == expected)
    }

    @Test func messageNamesTheReport() throws {
        let report = try #require(AggregateReportBuilder.reports(from: Self.evaluations, begin: Self.begin, end: Self.end,
                                                                 reporter: Self.reporter).first).report
        #expect(AggregateReportMessage.filename(for: report) == "mx.hato.example!example.org!1764806400!1764892799!example.org.1764806400.1764892799.xml.gz")
        let message = String(decoding: AggregateReportMessage.message(for: report, from: "dmarc-reports@hato.example", to: ["dmarc@example.org"],
                                                                      date: Self.end, messageIDDomain: "hato.example"), as: UTF8.self)
            .replacingOccurrences(of: "\r\n ", with: " ")  // RFC 5322 §2.2.3 unfolding
        #expect(message.contains("Subject: Report Domain: example.org Submitter: mx.hato.example Report-ID: <example.org.1764806400.1764892799>\r\n"))
        #expect(message.contains("Content-Type: application/gzip"))
    }

    /// RFC 9990 §3: another domain's mailbox gets reports only with its consent in the DNS.
    @Test func externalDestinationsNeedConsent() async throws {
        let resolver = try StaticResolver(zoneText: """
            example.org._report._dmarc.reports.example.    TXT "v=DMARC1"
            other.example._report._dmarc.reports.example.  TXT "v=spf1 -all"

            """)
        #expect(ExternalDestinationCheck.isInternal(policyDomain: "mail.example.org", destinationDomain: "example.org"))
        #expect(ExternalDestinationCheck.isInternal(policyDomain: "example.org", destinationDomain: "rua.example.org."))
        #expect(!ExternalDestinationCheck.isInternal(policyDomain: "example.org", destinationDomain: "badexample.org"))
        #expect(await ExternalDestinationCheck.authorize(policyDomain: "example.org", destinationDomain: "example.org", resolver: resolver) == .authorized)
        #expect(await ExternalDestinationCheck.authorize(policyDomain: "example.org", destinationDomain: "reports.example", resolver: resolver) == .authorized)
        #expect(await ExternalDestinationCheck.authorize(policyDomain: "other.example", destinationDomain: "reports.example", resolver: resolver) == .refused)
        #expect(await ExternalDestinationCheck.authorize(policyDomain: "third.example", destinationDomain: "reports.example", resolver: resolver) == .refused)
        var failing = resolver
        failing.failures[try .init("example.org._report._dmarc.reports.example", .txt)] = .timeout
        if case .temporaryFailure = await ExternalDestinationCheck.authorize(policyDomain: "example.org", destinationDomain: "reports.example",
                                                                            resolver: failing) {} else { Issue.record("a DNS timeout is temporary") }
    }

    /// parsedmarc reads the whole message: the attachment found, unzipped and every field mapped.
    @Test(.enabled(if: Python.requiredInCI || Python.hasModules("parsedmarc"), "parsedmarc (PyPI) is not installed"))
    func parsedmarcReadsTheMessage() async throws {
        let report = try #require(AggregateReportBuilder.reports(from: Self.evaluations, begin: Self.begin, end: Self.end,
                                                                 reporter: Self.reporter).first).report
        let message = AggregateReportMessage.message(for: report, from: "dmarc-reports@hato.example", to: ["dmarc@example.org"],
                                                     date: Self.end, messageIDDomain: "hato.example")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hato-dmarc-\(UUID().uuidString).eml")
        try Data(message).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await Python.run("""
            import json, sys, logging
            logging.disable(logging.CRITICAL)
            import parsedmarc
            parsed = parsedmarc.parse_report_file(sys.argv[1], offline=True)
            report = parsed["report"]
            print(json.dumps({"type": parsed["report_type"], "org": report["report_metadata"]["org_name"],
                "id": report["report_metadata"]["report_id"], "domain": report["policy_published"]["domain"],
                "p": report["policy_published"]["p"], "records": [[r["source"]["ip_address"], r["count"],
                r["policy_evaluated"]["disposition"], r["policy_evaluated"]["dkim"], r["policy_evaluated"]["spf"],
                [d["selector"] for d in r["auth_results"]["dkim"]], [s["result"] for s in r["auth_results"]["spf"]]]
                for r in report["records"]]}, sort_keys=True))
            """, arguments: [file.path])
        #expect(result.status == 0, "\(result.stderr)")
        let decoded = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(decoded?["type"] as? String == "aggregate")
        // parsedmarc reduces an org_name that is a host name to its base domain.
        #expect(decoded?["org"] as? String == "hato.example")
        #expect(decoded?["id"] as? String == report.metadata.reportID)
        #expect(decoded?["domain"] as? String == "example.org")
        #expect(decoded?["p"] as? String == "reject")
        let records = decoded?["records"] as? [[Any]]
        #expect(records?.count == 3)
        #expect(records?.first?[0] as? String == "192.0.2.1")
        #expect(records?.first?[1] as? Int == 2)
        #expect(records?[1][2] as? String == "reject")
        #expect((records?[1][6] as? [String]) == ["softfail"])
        #expect((records?[0][5] as? [String]) == ["s1"])
    }

    /// RFC 9990 Appendix A: the XML Hato sends validates against the RFC's own schema (the
    /// appendix as printed, in Fixtures/dmarc-2.0.xsd), checked by libxml2 through Python's lxml;
    /// and a report that breaks the schema is refused by the same check, so the check can fail.
    @Test(.enabled(if: Python.requiredInCI || Python.hasModules("lxml"), "lxml (PyPI) is not installed"))
    func xmlValidatesAgainstTheRFCSchema() async throws {
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/dmarc-2.0.xsd").path
        var reports = AggregateReportBuilder.reports(from: Self.evaluations, begin: Self.begin, end: Self.end, reporter: Self.reporter)
            .map(\.report)
        reports[0].metadata.extraContactInfo = "R&D <dmarc>"
        let directory = try TemporaryDirectory(prefix: "hato-dmarc-xsd")
        var files: [String] = []
        for (index, report) in reports.enumerated() {
            let path = directory.url.appendingPathComponent("report-\(index).xml").path
            try report.xml().write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }
        let broken = directory.url.appendingPathComponent("broken.xml").path
        try reports[0].xml().replacingOccurrences(of: "<disposition>", with: "<disposal>").replacingOccurrences(of: "</disposition>", with: "</disposal>")
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let result = try await Python.run("""
            import sys
            from lxml import etree
            schema = etree.XMLSchema(etree.parse(sys.argv[1]))
            for path in sys.argv[2:]:
                ok = schema.validate(etree.parse(path))
                print(path.rsplit("/", 1)[1], "valid" if ok else "invalid: " + str(schema.error_log.last_error))
            """, arguments: [schema] + files + [broken])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == reports.count + 1, "\(result.stdout) \(result.stderr)")
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix(" valid") }, "\(result.stdout)")
        #expect(lines.last?.hasPrefix("broken.xml invalid") == true, "\(result.stdout)")
    }
}
