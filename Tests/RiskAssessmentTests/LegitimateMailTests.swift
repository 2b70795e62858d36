import Foundation
import MailMessage
import RiskAssessment
import Testing

/// Ordinary mail (Fixtures/Legitimate: invoices from real partners, replies, newsletters,
/// notifications, Japanese and English) must never be called phishing (issue 18).
@Suite struct LegitimateMailTests {
    static let directory = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/Legitimate")

    static var files: [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "eml" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The organisation's view: its partners and the people its users write to.
    static var context: RiskContext {
        Risk.context {
            $0.partnerDomains += ["partner.example.com"]
            $0.correspondents += [KnownCorrespondent(address: "jane@partner.example.com", name: "Jane Miller", messages: 30),
                                  KnownCorrespondent(address: "tanaka@kobayashi-shoji.co.jp", name: "田中 花子", messages: 5),
                                  KnownCorrespondent(address: "accounts@partner.example.com", messages: 8)]
            $0.localUsers = [KnownPerson(name: "渡辺 健二", address: "kenji@ours.example.jp"),
                             KnownPerson(name: "鈴木 花子", address: "hanako@ours.example.jp")]
            $0.authentication = RiskAuthentication(spf: "pass", dkim: [], dmarc: "pass", dmarcPolicy: "none", fromDomain: nil, arc: "none", arcSealer: nil)
        }
    }

    @Test func noneIsPhishing() throws {
        let files = Self.files
        #expect(files.count >= 20, "the folder holds at least 20 messages")
        var verdicts: [RiskVerdict: Int] = [:]
        var suspicious: [String] = []
        for file in files {
            let bytes = Array(try Data(contentsOf: file)).flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }
            let report = Risk.assessor.assess(MIMEMessage(parsing: bytes), context: Self.context)
            verdicts[report.verdict, default: 0] += 1
            if report.verdict == .suspicious { suspicious.append("\(file.lastPathComponent): \(report.headerValue)") }
            #expect(report.verdict != .phishing, "\(file.lastPathComponent): \(report.headerValue) \(report.signals.map(\.detail))")
            #expect(report.score < RiskPolicy().suspiciousScore || report.verdict == .suspicious)
        }
        #expect(verdicts.values.reduce(0, +) == files.count)
        #expect(verdicts[.clean] == files.count, "docs/security.md says the whole folder is clean with the defaults: \(suspicious)")
        print("legitimate folder: \(files.count) messages, verdicts \(verdicts.map { "\($0.key.rawValue)=\($0.value)" }.sorted()); suspicious: \(suspicious)")
    }
}
