import MailCore
import SMTPProtocol
import Testing

@Suite struct ParameterTests {
    private func mailParameters(_ text: String, extensions: SMTPExtensions = .all) throws(SMTPError) -> SMTPMailParameters {
        guard case .mail(_, let parameters) = try parse("MAIL FROM:<a@b.example> \(text)", extensions: extensions) else {
            throw .commandUnrecognized
        }
        return parameters
    }

    private func rcptParameters(_ text: String) throws(SMTPError) -> SMTPRcptParameters {
        guard case .rcpt(_, let parameters) = try parse("RCPT TO:<a@b.example> \(text)") else { throw .commandUnrecognized }
        return parameters
    }

    @Test func size() throws {
        #expect(try mailParameters("SIZE=0").size == 0)
        #expect(try mailParameters("size=12345").size == 12345)
        #expect(try mailParameters("SIZE=99999999999999999999").size == Int.max)  // 20 digits: too large, not malformed
        for bad in ["SIZE", "SIZE=", "SIZE=-1", "SIZE=1k", "SIZE=123456789012345678901"] {
            #expect(throws: SMTPError.self, "\(bad)") { try mailParameters(bad) }
        }
    }

    @Test func body() throws {
        #expect(try mailParameters("BODY=7BIT").body == .sevenBit)
        #expect(try mailParameters("BODY=8bitmime").body == .eightBitMIME)
        #expect(try mailParameters("BODY=BINARYMIME").body == .binaryMIME)
        #expect(throws: SMTPError.syntaxErrorInParameters.withMessage("Invalid value for BODY")) { try mailParameters("BODY=QUOTED") }
        let withoutBinary = try? mailParameters("BODY=BINARYMIME", extensions: [.eightBitMIME])
        #expect(withoutBinary == nil)
        #expect(refusal("MAIL FROM:<> BODY=BINARYMIME", extensions: [.eightBitMIME])?.code == 555)
    }

    @Test func smtpUTF8TakesNoValue() throws {
        #expect(try mailParameters("SMTPUTF8").smtpUTF8)
        #expect(refusal("MAIL FROM:<> SMTPUTF8=yes")?.code == 501)
    }

    @Test func dsnMailParameters() throws {
        let parameters = try mailParameters("RET=HDRS ENVID=QQ314159+2B1")
        #expect(parameters.ret == .headers)
        #expect(parameters.envelopeID == "QQ314159+1")
        #expect(try mailParameters("RET=full").ret == .full)
        #expect(refusal("MAIL FROM:<> RET=BODY")?.code == 501)
        #expect(refusal("MAIL FROM:<> ENVID=\(String(repeating: "x", count: 101))")?.code == 501)
        #expect(refusal("MAIL FROM:<> ENVID=a+0Ab")?.code == 501)  // hexchar digits are upper case
        #expect(refusal("MAIL FROM:<> ENVID=a+0")?.code == 501)
        #expect(refusal("MAIL FROM:<> ENVID=+00")?.code == 501)  // decodes to a control character
    }

    @Test func authParameter() throws {
        #expect(try mailParameters("AUTH=<>").auth == .unknown)
        #expect(try mailParameters("AUTH=e+3Dmc2@example.com").auth == .mailbox(mailbox("e=mc2", "example.com")))
        #expect(refusal("MAIL FROM:<> AUTH=nobody")?.code == 501)
    }

    @Test func notify() throws {
        #expect(try rcptParameters("NOTIFY=NEVER").notify == .never)
        #expect(try rcptParameters("NOTIFY=SUCCESS,FAILURE").notify == [.success, .failure])
        #expect(try rcptParameters("notify=delay").notify == [.delay])
        for bad in ["NOTIFY=NEVER,SUCCESS", "NOTIFY=", "NOTIFY=SUCCESS,", "NOTIFY=ALWAYS"] {
            #expect(refusal("RCPT TO:<a@b.example> \(bad)")?.code == 501, "\(bad)")
        }
    }

    @Test func originalRecipient() throws {
        let parameters = try rcptParameters("ORCPT=rfc822;Bob+2Bsmith@example.org NOTIFY=FAILURE")
        #expect(parameters.originalRecipient == OriginalRecipient(addressType: "rfc822", address: "Bob+smith@example.org"))
        #expect(parameters.notify == [.failure])
        #expect(try rcptParameters("ORCPT=utf-8;+E5+B1+B1@example.jp").originalRecipient?.address == "山@example.jp")
        for bad in ["ORCPT=rfc822", "ORCPT=;a@b", "ORCPT=rfc822;", "ORCPT=rfc822;+FF", "ORCPT=rfc822;\(String(repeating: "a", count: 500))"] {
            #expect(refusal("RCPT TO:<a@b.example> \(bad)")?.code == 501, "\(bad)")
        }
    }

    /// RFC 5321 §4.1.1.11: unknown parameters, or those of extensions not offered, are a 555.
    @Test func unrecognizedParameters() {
        #expect(refusal("MAIL FROM:<> XFOO=1") == SMTPError.parameterNotRecognized.withMessage("Parameter XFOO not recognized"))
        #expect(refusal("MAIL FROM:<> SIZE=10", extensions: [])?.code == 555)
        #expect(refusal("MAIL FROM:<> SMTPUTF8", extensions: [.size])?.code == 555)
        #expect(refusal("RCPT TO:<a@b.example> NOTIFY=NEVER", extensions: [.size])?.code == 555)
        #expect(refusal("RCPT TO:<a@b.example> SIZE=1")?.code == 555)
        #expect(refusal("MAIL FROM:<> NOTIFY=NEVER")?.code == 555)
        #expect(SMTPError.parameterNotRecognized.reply.encoded().hasPrefix("555 5.5.4 "))
    }

    @Test func malformedParameterLists() {
        for bad in ["MAIL FROM:<>SIZE=1", "MAIL FROM:<> =1", "MAIL FROM:<> -X=1", "MAIL FROM:<> SIZE=1=2", "MAIL FROM:<> SIZE=1 SIZE=2",
                    "MAIL FROM:<> BODY=8BITMIME\u{1}", "MAIL FROM:<a@b.example>x", "RCPT TO:<user@example.org> <x>"] {
            #expect(refusal(bad)?.code == 501, "\(bad)")
            #expect(refusal(bad)?.enhancedCode.description == "5.5.4", "\(bad)")
        }
        #expect(refusal("MAIL FROM:<> SIZE=1 SIZE=2")?.message == "Duplicate parameter SIZE")
    }

    @Test func xtextRoundTrip() {
        let octets: [UInt8] = Array("a+b=c d\u{1}~".utf8) + [0xE5, 0xB1, 0xB1]
        let encoded = SMTPXText.encode(octets)
        #expect(encoded == "a+2Bb+3Dc+20d+01~+E5+B1+B1")
        #expect(SMTPXText.decode(Array(encoded.utf8)) == octets)
        #expect(SMTPXText.decode(Array("a=b".utf8)) == nil)
        #expect(SMTPXText.decode(Array("a b".utf8)) == nil)
        #expect(SMTPXText.decode(Array("+4".utf8)) == nil)
        #expect(SMTPXText.decode(Array("".utf8)) == [])
    }
}
