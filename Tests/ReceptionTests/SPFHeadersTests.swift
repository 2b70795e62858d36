import Foundation
import MailAuth
import Testing
@testable import Reception

/// Received-SPF (RFC 7208 §9.1) as the trace stage writes it: parentheses cannot appear in the
/// comment and quotes cannot appear in the quoted mechanism, whether or not the inputs have any.
@Suite struct SPFHeadersTests {
    @Test func receivedSPFKeepsCleanTextAndStripsDelimiters() {
        let clean = SPFOutcome(result: .pass, mechanism: "ip4:192.0.2.0/24", identity: .mailFrom,
                               sender: "load@bench-sender.example", domain: "bench-sender.example")
        #expect(SPFHeaders.receivedSPF(clean, ip: "192.0.2.1", helo: "client.example", receiver: "mx.example")
            == "Received-SPF: pass (mx.example: domain of load@bench-sender.example designates 192.0.2.1 as permitted sender)\r\n"
            + "\tclient-ip=192.0.2.1; envelope-from=\"load@bench-sender.example\"; helo=client.example; receiver=mx.example; "
            + "identity=mailfrom; mechanism=\"ip4:192.0.2.0/24\"\r\n")
        let odd = SPFOutcome(result: .fail, mechanism: "-include:\"x\".example", identity: .mailFrom,
                             sender: "\"a(b)c\"@d.example", domain: "d.example")
        let field = SPFHeaders.receivedSPF(odd, ip: "192.0.2.1", helo: "h", receiver: "mx(1)")
        #expect(field.hasPrefix("Received-SPF: fail (mx1: domain of \"abc\"@d.example does not designate 192.0.2.1 as permitted sender)\r\n"))
        #expect(field.contains("mechanism=\"-include:x.example\""))
    }

    @Test func removingMatchesFoundation() {
        for text in ["", "plain", "(", "()", "a(b)c(d", "é(ü)", "((\u{301}))", "\"q\"", "x\u{301}(y)"] {
            for target in ["(", ")", "\""] {
                #expect(SPFHeaders.removing(target, from: text) == text.replacingOccurrences(of: target, with: ""), "\(text) \(target)")
            }
        }
    }
}
