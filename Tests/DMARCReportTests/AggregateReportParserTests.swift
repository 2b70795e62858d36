import BoundedZlib
import Foundation
import Testing
@testable import DMARCReport

/// Reports as the big reporters send them (written from their published formats): Google's
/// (no namespace, no envelope_from), Microsoft's (xsd/xsi attributes, reasons, two DKIM results,
/// zipped) and a dmarc-2.0 namespaced one with prefixes. And what a hostile sender can try.
@Suite struct AggregateReportParserTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    @Test func googleGzipReport() throws {
        let report = try ReportAttachment.report(from: try Self.fixture("google.xml.gz"))
        #expect(report.metadata.orgName == "google.com")
        #expect(report.metadata.reportID == "12931761628468196331")
        #expect(report.metadata.begin == 1_764_806_400 && report.metadata.end == 1_764_892_799)
        #expect(report.policyPublished == .init(domain: "example.org", adkim: "r", aspf: "r", p: "quarantine", sp: "quarantine", np: "quarantine"))
        #expect(report.records.count == 2)
        #expect(report.messageCount == 16)
        #expect(report.records[0].dkimResults == [.init(domain: "example.org", selector: "s2026", result: "pass")])
        #expect(report.records[1].sourceIP == "2001:db8::53")
        #expect(report.records[1].disposition == "quarantine")
        #expect(report.records[1].spfResults == [.init(domain: "spoofer.example", scope: nil, result: "softfail")])
    }

    @Test func microsoftZipReport() throws {
        #expect(ReportAttachment.format(of: try Self.fixture("microsoft.zip")) == .zip)
        let report = try ReportAttachment.report(from: try Self.fixture("microsoft.zip"))
        #expect(report.version == "1.0")
        #expect(report.metadata.orgName == "Enterprise Outlook")
        #expect(report.policyPublished.p == "reject" && report.policyPublished.fo == "0")
        let record = try #require(report.records.first)
        #expect(record.reasons == [.init(type: "forwarded", comment: "forwarded by list.example.net")])
        #expect(record.envelopeTo == "contoso.example" && record.envelopeFrom == "list.example.net")
        #expect(record.dkimResults.map(\.domain) == ["example.org", "list.example.net"])
        #expect(record.spfResults == [.init(domain: "list.example.net", scope: "mfrom", result: "pass")])
    }

    @Test func namespacedReportWithPrefixes() throws {
        let report = try ReportAttachment.report(from: try Self.fixture("yahoo-namespaced.xml"))
        #expect(report.metadata.orgName == "Yahoo")
        #expect(report.policyPublished.discoveryMethod == "treewalk" && report.policyPublished.testing == "n")
        #expect(report.records.map(\.sourceIP) == ["203.0.113.9"])
    }

    /// XML 1.0 §4.2 entities are the bomb; no DOCTYPE reaches the parser.
    @Test func doctypeIsRefused() throws {
        let bomb = """
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
            <feedback><report_metadata><org_name>&lol2;</org_name></report_metadata></feedback>
            """
        #expect(throws: DMARCReportError.doctypeRefused) { try AggregateReportParser.parse(Array(bomb.utf8)) }
        #expect(throws: DMARCReportError.doctypeRefused) { try AggregateReportParser.parse(Array("<!docType x><feedback/>".utf8)) }
    }

    @Test func limitsHold() throws {
        let google = try Self.fixture("google.xml")
        #expect(throws: DMARCReportError.limitExceeded("maxRecords")) {
            try AggregateReportParser.parse(google, limits: DMARCReportLimits(maxRecords: 1))
        }
        #expect(throws: DMARCReportError.limitExceeded("maxXMLBytes")) {
            try AggregateReportParser.parse(google, limits: DMARCReportLimits(maxXMLBytes: 100))
        }
        #expect(throws: DMARCReportError.limitExceeded("maxDepth")) {
            try AggregateReportParser.parse(google, limits: DMARCReportLimits(maxDepth: 4))
        }
        let longName = "<feedback><report_metadata><org_name>\(String(repeating: "x", count: 5000))</org_name></report_metadata></feedback>"
        #expect(throws: DMARCReportError.limitExceeded("maxTextBytes")) { try AggregateReportParser.parse(Array(longName.utf8)) }
        let manyDKIM = String(decoding: google, as: UTF8.self).replacingOccurrences(
            of: "<dkim>\n        <domain>", with: String(repeating: "<dkim><domain>x</domain><result>pass</result></dkim>", count: 70) + "<dkim><domain>")
        #expect(throws: DMARCReportError.limitExceeded("maxAuthResultsPerRecord")) { try AggregateReportParser.parse(Array(manyDKIM.utf8)) }
    }

    /// A gzip bomb attachment stops at maxXMLBytes, long before it is all inflated.
    @Test func gzipBombAttachmentIsRefused() throws {
        let bomb = BoundedDeflate.deflate([UInt8](repeating: 0x20, count: 32 << 20), format: .gzip, level: 9)
        #expect(throws: DMARCReportError.limitExceeded("maxXMLBytes")) {
            try ReportAttachment.report(from: bomb, limits: DMARCReportLimits(maxXMLBytes: 1 << 20))
        }
        let truncated = Array(try Self.fixture("google.xml.gz").dropLast(12))
        #expect(throws: DMARCReportError.decompression("truncated")) { try ReportAttachment.report(from: truncated) }
    }

    /// XML 1.0 §2.2 allows no C0 control but tab, LF and CR, raw or as a reference. A NUL after
    /// a valid address once passed the source_ip check (inet_pton stops at the NUL) and the
    /// report Hato wrote back did not parse (found by the dmarc-report fuzz target).
    @Test func controlCharactersAreRefusedRawAndAsReferences() throws {
        let google = String(decoding: try Self.fixture("google.xml"), as: UTF8.self)
        for control in ["\u{0}", "\u{7}", "\u{1B}", "\u{FFFE}"] {
            let tampered = google.replacingOccurrences(of: "192.0.2.25", with: "192.0.2.25\(control)")
            if case .malformedXML = try #require(throws: DMARCReportError.self, performing: {
                try AggregateReportParser.parse(Array(tampered.utf8))
            }) {} else { Issue.record("a raw U+\(String(control.unicodeScalars.first!.value, radix: 16)) was not malformed XML") }
        }
        if case .malformedXML = try #require(throws: DMARCReportError.self, performing: {
            try AggregateReportParser.parse(Array(google.replacingOccurrences(of: "192.0.2.25", with: "192.0.2.25&#0;").utf8))
        }) {} else { Issue.record("&#0; was not malformed XML") }
        #expect(AggregateReportReader.isIPAddress("192.0.2.25") && !AggregateReportReader.isIPAddress("192.0.2.25\u{0}x"))
    }

    @Test func badReportsHavePreciseErrors() throws {
        #expect(throws: DMARCReportError.notAggregateReport) { try AggregateReportParser.parse(Array("<html><body/></html>".utf8)) }
        #expect(throws: DMARCReportError.unsupportedAttachment("neither XML, gzip nor ZIP")) {
            try ReportAttachment.report(from: Array("%PDF-1.7".utf8))
        }
        let google = String(decoding: try Self.fixture("google.xml"), as: UTF8.self)
        #expect(throws: DMARCReportError.invalidValue(element: "source_ip", value: "192.0.2.999")) {
            try AggregateReportParser.parse(Array(google.replacingOccurrences(of: "192.0.2.25", with: "192.0.2.999").utf8))
        }
        #expect(throws: DMARCReportError.invalidValue(element: "count", value: "-3")) {
            try AggregateReportParser.parse(Array(google.replacingOccurrences(of: "<count>14<", with: "<count>-3<").utf8))
        }
        #expect(throws: DMARCReportError.missingElement("report_id")) {
            try AggregateReportParser.parse(Array(google.replacingOccurrences(of: "report_id>", with: "rid>").utf8))
        }
        if case .malformedXML = try #require(throws: DMARCReportError.self, performing: {
            try AggregateReportParser.parse(Array(google.replacingOccurrences(of: "</feedback>", with: "").utf8))
        }) {} else { Issue.record("an unterminated document is malformed XML") }
    }

    @Test func destinationsAndSizeLimits() {
        #expect(ReportDestination(uri: "mailto:dmarc@example.com!10m") == .init(address: "dmarc@example.com", domain: "example.com", maxSize: 10 << 20))
        #expect(ReportDestination(uri: "mailto:agg%2Bx@Reports.Example.NET!50k") == .init(address: "agg+x@Reports.Example.NET",
                                                                                           domain: "reports.example.net", maxSize: 50 << 10))
        #expect(ReportDestination(uri: "mailto:d@example.com") == .init(address: "d@example.com", domain: "example.com", maxSize: nil))
        #expect(ReportDestination(uri: "https://r.example/dmarc") == nil)
        #expect(ReportDestination(uri: "mailto:d@example.com!10q") == nil)
        #expect(ReportDestination(uri: "mailto:nobody") == nil)
    }
}
