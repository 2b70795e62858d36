import Foundation
import RiskAssessment
import Testing

@Suite struct EnclosedMessageTests {
    @Test func enclosedMessagesAreAssessedToo() throws {
        let exe = Data([0x4D, 0x5A] + [UInt8](repeating: 0, count: 40)).base64EncodedString()
        let text = """
            From: 佐藤 一郎 <sato@example.co.jp>
            To: user@ours.example.jp
            Subject: Fwd: 請求書
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="o"

            --o
            Content-Type: text/plain; charset=utf-8

            転送します。
            --o
            Content-Type: message/rfc822

            From: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <ceo@example-co.jp>
            Subject: =?UTF-8?B?6KuL5rGC5pu4?=
            Date: Mon, 1 Dec 2026 09:00:00 +0900
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="i"

            --i
            Content-Type: text/html; charset=utf-8

            <a href="http://192.0.2.9/pay">支払い</a>
            --i
            Content-Type: application/octet-stream; name="invoice.pdf.exe"
            Content-Transfer-Encoding: base64

            \(exe)
            --i--
            --o--
            """
        let report = Risk.assess(text)
        #expect(try #require(report.signal("lookalike-domain")).detail.contains("enclosed message 2"))
        #expect(try #require(report.signal("display-name-impersonation")).detail.contains("enclosed message 2"))
        #expect(try #require(report.signal("executable-attachment")).detail.contains("enclosed message 2"))
        #expect(report.has("ip-literal-link") && report.has("double-extension"))
        #expect(!report.has("html-only"), "the outer message has text/plain")
        #expect(report.verdict == .phishing)
    }
}

@Suite struct AuthenticationSignalTests {
    func auth(dmarc: String, arc: String = "none") -> RiskAuthentication {
        RiskAuthentication(spf: "pass", dkim: [], dmarc: dmarc, dmarcPolicy: "reject", fromDomain: "example.co.jp", arc: arc, arcSealer: nil)
    }

    @Test func dmarcFail() throws {
        let report = Risk.assess(Risk.message(), Risk.context { $0.authentication = auth(dmarc: "fail") })
        #expect(try #require(report.signal("dmarc-fail")).detail.contains("example.co.jp"))
        #expect(report.authentication?.dmarc == "fail")
    }

    @Test func arcPassVouchesForAForwarder() {
        #expect(!Risk.assess(Risk.message(), Risk.context { $0.authentication = auth(dmarc: "fail", arc: "pass") }).has("dmarc-fail"))
        #expect(Risk.assess(Risk.message(), Risk.context { $0.authentication = auth(dmarc: "pass", arc: "fail") }).has("arc-fail"))
        #expect(!Risk.assess(Risk.message(), Risk.context { $0.authentication = auth(dmarc: "pass", arc: "pass") }).has("arc-fail"))
        #expect(!Risk.assess(Risk.message(), Risk.context { $0.authentication = auth(dmarc: "pass", arc: "none") }).has("arc-fail"),
                "no ARC chain is not a broken one")
    }

    @Test func noneMattersOnlyForADomainThatUsuallyPasses() {
        #expect(!Risk.assess(Risk.message(), Risk.context { $0.authentication = auth(dmarc: "none") }).has("dmarc-fail"))
        let usual = Risk.context {
            $0.authentication = auth(dmarc: "none")
            $0.authorDomainUsuallyPasses = true
        }
        #expect(Risk.assess(Risk.message(), usual).signal("dmarc-fail")?.detail.contains("usually passes") == true)
        #expect(!Risk.assess(Risk.message(), Risk.context { $0.authentication = auth(dmarc: "pass") }).has("dmarc-fail"))
    }
}

@Suite struct VerdictTests {
    @Test func thresholdsAndHeader() {
        var policy = RiskPolicy()
        let lookalike = RiskSignal(name: "lookalike-domain", weight: 6, detail: "")
        let name = RiskSignal(name: "display-name-impersonation", weight: 2.5, detail: "")
        #expect(policy.verdict(for: []).0 == .clean)
        #expect(policy.verdict(for: [lookalike]).0 == .suspicious)
        #expect(policy.verdict(for: [lookalike, name]) == (.phishing, 8.5))
        policy.phishingScore = 20
        #expect(policy.verdict(for: [lookalike, name]).0 == .suspicious)
        #expect(policy.verdict(for: [RiskSignal(name: "dnsbl-listed", weight: 4, detail: "")]).0 == .spam)
        let report = RiskReport(verdict: .phishing, score: 8.5, signals: [lookalike, name], authentication: nil)
        #expect(report.headerValue == "verdict=phishing; score=8.5; signals=lookalike-domain,display-name-impersonation")
        #expect(RiskReport(verdict: .clean, score: 0, signals: [], authentication: nil).headerValue == "verdict=clean; score=0")
    }

    @Test func weightsComeFromThePolicy() {
        var policy = RiskPolicy()
        policy.weights["html-only"] = 9
        let assessor = RiskAssessor(policy: policy, suffixes: Risk.suffixes)
        let report = assessor.assess(.init(parsing: Risk.html("<p>x</p>").replacingOccurrences(of: "\n", with: "\r\n")), context: Risk.context())
        #expect(report.signal("html-only")?.weight == 9)
        #expect(report.verdict == .phishing)
    }
}
