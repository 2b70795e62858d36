import BoundedZlib
import DMARCReport
import Foundation
import HatoServer
import HatoTesting
import MailStore
import MailStoreSQLite
import Testing

/// Received TLS reports (RFC 8460): stored once per reporter and report id when a DKIM signature
/// of the reporting domain passed (§3), kept flagged otherwise, and kept flagged when unreadable.
@Suite struct TLSReportIntakeTests {
    static let report = """
        {"organization-name":"Company-X","date-range":{"start-datetime":"2025-12-04T00:00:00Z","end-datetime":"2025-12-05T00:00:00Z"},
         "contact-info":"sts-reporting@mail.company-x.example","report-id":"r-1","policies":[{"policy":{"policy-type":"sts",
         "policy-string":["version: STSv1","mode: testing","mx: *.own.example","max_age: 86400"],"policy-domain":"own.example",
         "mx-host":["*.own.example"]},"summary":{"total-successful-session-count":5326,"total-failure-session-count":303},
         "failure-details":[{"result-type":"certificate-expired","receiving-mx-hostname":"mx1.own.example","failed-session-count":303}]}]}
        """

    @Test func signedReportsAreStoredOnceOthersKeptFlagged() async throws {
        let directory = try TemporaryDirectory(prefix: "hato-tls-intake")
        let store = try SQLiteMailStore(directory: directory.url)
        let gzipped = BoundedDeflate.deflate(Array(Self.report.utf8), format: .gzip)
        let first = try await TLSReportIntake.importAttachment(gzipped, sender: "r@company-x.example", name: "r.json.gz",
                                                               signedBy: ["company-x.example"], maxJSONBytes: 1 << 20, store: store)
        guard case .stored(let row) = first else { Issue.record("stored: \(first)"); return }
        #expect(row.policyDomain == "own.example" && row.reporter == "Company-X" && row.messageCount == 5326 && row.recordCount == 303)
        #expect(row.periodBegin == Date(timeIntervalSince1970: 1_764_806_400))
        let again = try await TLSReportIntake.importAttachment(Array(Self.report.utf8), sender: "r@company-x.example", name: "r.json",
                                                               signedBy: ["mail.company-x.example"], maxJSONBytes: 1 << 20, store: store)
        #expect(again == .duplicate(reporter: "Company-X", reportID: "r-1"))

        // §3: "Reports lacking such a signature MUST be ignored": kept with the reason, not counted.
        let unsigned = try await TLSReportIntake.importAttachment(gzipped, sender: "r@evil.example", name: "r.json.gz",
                                                                  signedBy: ["evil.example"], maxJSONBytes: 1 << 20, store: store)
        guard case .flagged(let kept) = unsigned else { Issue.record("flagged: \(unsigned)"); return }
        #expect(kept.problem == "no valid DKIM signature (without l=) by mail.company-x.example (RFC 8460 §3)")
        #expect(kept.messageCount == 0 && kept.attachment == gzipped)

        let tooLarge = try await TLSReportIntake.importAttachment(gzipped, sender: "r@company-x.example", name: "big.json.gz",
                                                                  signedBy: ["company-x.example"], maxJSONBytes: 100, store: store)
        guard case .flagged(let big) = tooLarge else { Issue.record("flagged: \(tooLarge)"); return }
        #expect(big.problem?.hasPrefix("gzip: ") == true, "\(big.problem ?? "")")
        let rows = try await store.tlsReceivedReports(domain: nil, since: nil, limit: 10)
        #expect(rows.count == 3 && rows.filter { $0.problem == nil }.map(\.reportID) == ["r-1"])
        #expect(try await store.tlsReceivedReports(domain: "own.example", since: nil, limit: 10).count == 1)
        #expect(try await store.dmarcReceivedReports(domain: nil, since: nil, limit: 10).isEmpty, "DMARC's table is separate")
    }
}
