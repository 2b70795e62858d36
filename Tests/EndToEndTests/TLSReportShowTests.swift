import Foundation
import HatoServer
import HatoTesting
import MailStore
import MailStoreSQLite
import Testing

/// `hato report show --tls ID` through the real binary: a received TLS report (RFC 8460 §4.4)
/// stored by the intake, printed with its period, policy, totals and failure details.
@Suite struct TLSReportShowTests {
    static let report = """
        {"organization-name":"Company-X","date-range":{"start-datetime":"2025-12-04T00:00:00Z","end-datetime":"2025-12-05T00:00:00Z"},
         "contact-info":"sts-reporting@company-x.example","report-id":"r-1","policies":[{"policy":{"policy-type":"sts",
         "policy-string":["version: STSv1","mode: enforce","mx: *.own.example","max_age: 86400"],"policy-domain":"own.example",
         "mx-host":["*.own.example"]},"summary":{"total-successful-session-count":5326,"total-failure-session-count":303},
         "failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"2001:db8:abcd:0012::1","receiving-mx-hostname":"mx1.own.example",
         "receiving-mx-helo":"mx1-helo.own.example","receiving-ip":"203.0.113.56","failed-session-count":300,"failure-reason-code":"X509_V_ERR_CERT_HAS_EXPIRED"},
         {"result-type":"starttls-not-supported","receiving-mx-hostname":"mx2.own.example","failed-session-count":3}]}]}
        """

    @Test func showsAStoredTLSReportReadably() async throws {
        let workspace = try CLIWorkspace(prefix: "hato-tls-show")
        let store = try SQLiteMailStore(directory: workspace.directory.url.appendingPathComponent("data"))
        let outcome = try await TLSReportIntake.importAttachment(Array(Self.report.utf8), sender: "r@company-x.example", name: "r.json",
                                                                 signedBy: ["company-x.example"], maxJSONBytes: 1 << 20, store: store)
        guard case .stored(let row) = outcome, let id = row.id else { Issue.record("not stored: \(outcome)"); return }
        try await store.close()

        let show = try await workspace.hato(["report", "show", "--tls", "\(id)"])
        #expect(show.status == 0, "\(show.stderr)")
        let lines = show.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains("reporter: Company-X") && lines.contains("report-id: r-1"), "\(show.stdout)")
        #expect(lines.contains("period: 2025-12-04T00:00:00Z .. 2025-12-05T00:00:00Z"), "\(show.stdout)")
        #expect(lines.contains("policy: own.example sts successful=5326 failed=303"), "\(show.stdout)")
        #expect(lines.contains("mx-host: *.own.example") && lines.contains("policy-string: mode: enforce"), "\(show.stdout)")
        let expired = try #require(lines.first { $0.hasPrefix("certificate-expired") }, "\(show.stdout)")
        #expect(expired.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                == ["certificate-expired", "300", "2001:db8:abcd:0012::1", "mx1.own.example", "mx1-helo.own.example", "203.0.113.56",
                    "X509_V_ERR_CERT_HAS_EXPIRED"], "\(expired)")
        #expect(lines.contains { $0.hasPrefix("starttls-not-supported") && $0.contains("mx2.own.example") }, "\(show.stdout)")

        let missing = try await workspace.hato(["report", "show", "--tls", "\(id + 100)"])
        #expect(missing.status != 0 && missing.stderr.contains("no TLS report \(id + 100)"), "\(missing.stderr)")
    }
}
