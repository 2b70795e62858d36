import BoundedZlib
import Foundation
import MailMessage
import MailStore
import Testing
@testable import DMARCReport

/// TLS-RPT (RFC 8460): the `_smtp._tls` record's grammar (§3), counted sessions becoming one
/// report per policy domain (§4), the JSON read back, and the report mail (§5.3).
@Suite struct TLSReportTests {
    static let begin = Date(timeIntervalSince1970: 1_764_806_400)
    static let end = begin.addingTimeInterval(86_400)
    static let submitter = TLSReportBuilder.Submitter(organizationName: "Hato Example", contact: "tlsrpt@hato.example")

    @Test func recordGrammar() {
        #expect(TLSRPTRecord.reportURIs(["v=TLSRPTv1; rua=mailto:tls@example.org"]) == ["mailto:tls@example.org"])
        #expect(TLSRPTRecord.reportURIs(["v=TLSRPTv1;rua=mailto:a@example.org , https://r.example.org/tls;"])
                == ["mailto:a@example.org", "https://r.example.org/tls"])
        // Unknown extensions are ignored; records not starting with the version are discarded (§3).
        #expect(TLSRPTRecord.reportURIs(["v=spf1 -all", "v=TLSRPTv1; ext_1=x; rua=mailto:a@example.org"]) == ["mailto:a@example.org"])
        #expect(TLSRPTRecord.reportURIs(["v=TLSRPTv1; rua=mailto:a@example.org", "v=TLSRPTv1; rua=mailto:b@example.org"]) == nil, "two records")
        #expect(TLSRPTRecord.reportURIs(["v=TLSRPTv1"]) == nil, "rua is required")
        #expect(TLSRPTRecord.reportURIs(["v=TLSRPTv1; ext=1"]) == nil, "rua is required")
        #expect(TLSRPTRecord.reportURIs(["v=TLSRPTv1; rua=mailto:a@example.org; rua=mailto:b@example.org"]) == nil, "rua twice")
        #expect(TLSRPTRecord.reportURIs(["v=TLSRPTv1; rua=mailto:a@example.org,"]) == nil, "empty URI")
        #expect(TLSRPTRecord.reportURIs(["v=TLSRPTv1; junk"]) == nil)
        #expect(TLSRPTRecord.reportURIs(["v=TLSRPTv2; rua=mailto:a@example.org"]) == nil)
    }

    static func row(_ domain: String, _ type: TLSSessionResult.PolicyType, _ strings: [String], host: String, result: String = "success",
                    ip: String = "192.0.2.1", reason: String = "", count: Int = 1, day: Date = begin) -> TLSSessionResult {
        TLSSessionResult(day: day, policyDomain: domain, policyType: type, policyStrings: strings, mxHost: host, resultType: result,
                         receivingIP: ip, reasonCode: reason, count: count)
    }

    @Test func sessionsBecomeOneReportPerDomain() throws {
        let sts = ["version: STSv1", "mode: enforce", "mx: *.mail.example.org", "max_age: 86400"]
        let sessions = [
            Self.row("example.org", .sts, sts, host: "a.mail.example.org", count: 7),
            Self.row("example.org", .sts, sts, host: "b.mail.example.org", result: "certificate-expired", ip: "192.0.2.2", reason: "expired", count: 2),
            Self.row("example.net", .tlsa, ["3 1 1 abcd"], host: "mx1.example.net", count: 3),
            Self.row("example.net", .tlsa, ["3 1 1 ef01"], host: "mx2.example.net", result: "tlsa-invalid", count: 1),
            Self.row("example.net", .noPolicyFound, [], host: "mx3.example.net", result: "starttls-not-supported", count: 4),
            Self.row("example.com", .noPolicyFound, [], host: "mx.example.com", day: Self.end),
        ]
        let reports = TLSReportBuilder.reports(from: sessions, begin: Self.begin, end: Self.end, submitter: Self.submitter)
        #expect(reports.map { $0.policies[0].policy.policyDomain } == ["example.net", "example.org"], "the next day's row stays out")
        let org = reports[1]
        #expect(org.dateRange == .init(startDatetime: "2025-12-04T00:00:00Z", endDatetime: "2025-12-05T00:00:00Z"))
        #expect(org.reportID == "1764806400.example.org@hato.example" && org.contactInfo == "tlsrpt@hato.example")
        #expect(org.policies.count == 1)
        #expect(org.policies[0].policy == .init(policyType: "sts", policyString: sts, policyDomain: "example.org", mxHost: ["*.mail.example.org"]))
        #expect(org.policies[0].summary == .init(totalSuccessfulSessionCount: 7, totalFailureSessionCount: 2))
        #expect(org.policies[0].failureDetails == [.init(resultType: "certificate-expired", receivingMXHostname: "b.mail.example.org",
                                                          receivingIP: "192.0.2.2", failedSessionCount: 2, failureReasonCode: "expired")])
        let net = reports[0]
        #expect(net.policies.map(\.policy.policyType) == ["no-policy-found", "tlsa", "tlsa"])
        #expect(net.policies.map(\.policy.mxHost) == [nil, ["mx1.example.net"], ["mx2.example.net"]])
        #expect(net.policies[0].policy.policyString == nil)
        #expect(net.policies.map(\.summary.totalFailureSessionCount) == [4, 0, 1])
        // The JSON reads back the same, plain and gzipped, with the RFC's key names.
        let json = String(decoding: net.json(), as: UTF8.self)
        #expect(json.contains("\"total-successful-session-count\":3") && json.contains("\"policy-type\":\"tlsa\""), "\(json)")
        #expect(try TLSReport.parse(net.json()) == net)
        #expect(try TLSReport.parse(BoundedDeflate.deflate(net.json(), format: .gzip)) == net)
    }

    @Test func failureDetailsAreCappedLargestFirst() {
        let sessions = (1...5).map { Self.row("example.org", .noPolicyFound, [], host: "mx\($0).example.org", result: "validation-failure", count: $0) }
        let report = TLSReportBuilder.reports(from: sessions, begin: Self.begin, end: Self.end, submitter: Self.submitter, maxFailureDetails: 2)[0]
        #expect(report.policies[0].failureDetails?.map(\.failedSessionCount) == [5, 4])
        #expect(report.policies[0].summary.totalFailureSessionCount == 15)
    }

    @Test func receivedReportsAreBounded() {
        #expect(throws: TLSReportError.self) { try TLSReport.parse(Array("{\"organization-name\": 1}".utf8)) }
        #expect(throws: TLSReportError.self) { try TLSReport.parse(Array(repeating: UInt8(ascii: " "), count: 100), maxJSONBytes: 10) }
        let bomb = BoundedDeflate.deflate(Array(repeating: UInt8(ascii: " "), count: 1 << 20), format: .gzip)
        #expect(throws: TLSReportError.self) { try TLSReport.parse(bomb, maxJSONBytes: 1000) }
        let negative = """
            {"organization-name":"x","date-range":{"start-datetime":"a","end-datetime":"b"},"contact-info":"c","report-id":"d",
             "policies":[{"policy":{"policy-type":"sts","policy-domain":"e"},"summary":{"total-successful-session-count":-1,
             "total-failure-session-count":0}}]}
            """
        #expect(throws: TLSReportError.self) { try TLSReport.parse(Array(negative.utf8)) }
        // Foundation's decoder traps on deep nesting (the fuzz target found it): refused before decoding.
        #expect(throws: TLSReportError(description: "JSON nested deeper than 16 levels")) { try TLSReport.parse(Array(repeating: UInt8(ascii: "["), count: 5000)) }
        #expect(TLSReport.nestingDepth(Array(#"{"a":"[[[[\"[","b":[[1]]}"#.utf8), limit: 16) == 3, "brackets in strings do not count")
    }

    /// §5.3: multipart/report; report-type="tlsrpt", the two header fields, the Subject, and the
    /// gzip part named per §5.1 that inflates to the report.
    @Test func reportMessage() throws {
        let report = TLSReportBuilder.reports(from: [Self.row("example.org", .noPolicyFound, [], host: "mx.example.org")],
                                              begin: Self.begin, end: Self.end, submitter: Self.submitter)[0]
        let bytes = TLSReportMessage.message(for: report, policyDomain: "example.org", submitterDomain: "hato.example", from: "tlsrpt@hato.example",
                                             to: ["tls@example.org"], begin: Self.begin, end: Self.end, date: Self.end)
        let parsed = MIMEMessage(parsing: bytes)
        #expect(parsed.header.field("TLS-Report-Domain")?.value == "example.org")
        #expect(parsed.header.field("TLS-Report-Submitter")?.value == "hato.example")
        #expect(parsed.header.field("Subject")?.value == "Report Domain: example.org Submitter: hato.example Report-ID: <1764806400.example.org@hato.example>")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("Content-Type: multipart/report; report-type=\"tlsrpt\";"), "\(text)")
        let part = try #require(parsed.root.allParts.first { $0.isLeaf && $0.contentType.subtype == "tlsrpt+gzip" }, "\(text)")
        #expect(part.filename == "hato.example!example.org!1764806400!1764892800!1764806400exampleorg.json.gz")
        #expect(try TLSReport.parse(parsed.decodedBody(of: part)) == report, "the attachment inflates to the report")
    }
}
