import MailMessage
import RiskAssessment
import Testing

/// The spam controls' DNS list findings reach the verdict with their zones' weights, and the
/// link extraction they query is the assessment's own.
@Suite struct SpamSignalTests {
    @Test func externalSignalsCountAsSpamAndAllowlistingLowersThem() throws {
        let listed = RiskSignal(name: RiskSignalName.dnsblListed, weight: 4, detail: "127.0.0.2 in bl.example (listed)")
        let spam = Risk.assess(Risk.message(), Risk.context { $0.externalSignals = [listed] })
        #expect(spam.verdict == .spam && spam.signalNames.contains("dnsbl-listed"), "\(spam.headerValue)")
        #expect(try #require(spam.signal("dnsbl-listed")).detail.contains("bl.example"))

        let allowed = RiskSignal(name: RiskSignalName.dnswlListed, weight: -2, detail: "127.0.0.2 in wl.example")
        let lowered = Risk.assess(Risk.message(), Risk.context { $0.externalSignals = [listed, allowed] })
        #expect(lowered.verdict == .clean && lowered.score == spam.score - 2, "\(lowered.headerValue)")

        let uri = RiskSignal(name: RiskSignalName.uriblListed, weight: 6, detail: "evil.example in uri.example")
        #expect(Risk.assess(Risk.message(), Risk.context { $0.externalSignals = [uri] }).verdict == .spam)
        #expect(Risk.assess(Risk.message(), Risk.context()).verdict == .clean, "none without a listing")
    }

    @Test func linkHostsAreTheAssessmentsExtraction() {
        let text = Risk.html("<a href=\"https://Login.Example.NET/x\">here</a> <a href=\"mailto:a@b.example\">mail</a>",
                             plain: "see http://plain.example.org/path and https://login.example.net/again")
        let message = MIMEMessage(parsing: Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        #expect(Risk.assessor.linkHosts(in: message) == ["plain.example.org", "login.example.net"])
    }
}
