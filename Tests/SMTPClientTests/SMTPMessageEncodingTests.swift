import MailCore
import NIOCore
import Testing
@testable import SMTPClient

@Suite struct SMTPMessageEncodingTests {
    func wire(_ text: String) -> String {
        var buffer = ByteBuffer()
        SMTPMessageEncoding.dotStuffed(SMTPMessageEncoding.normalizingLineEndings(Array(text.utf8)), into: &buffer)
        return String(buffer: buffer)
    }

    @Test func lineEndingsBecomeCRLFAndLeadingDotsAreDoubled() {
        #expect(wire("a\nb\r\nc\rd") == "a\r\nb\r\nc\r\nd\r\n.\r\n")
        #expect(wire(".\r\n..x\r\nmid.dle\r\n.") == "..\r\n...x\r\nmid.dle\r\n..\r\n.\r\n")
        #expect(wire("") == ".\r\n")
        #expect(wire("\r\n\r\n") == "\r\n\r\n.\r\n")
        #expect(wire("x\r\r\ny") == "x\r\n\r\ny\r\n.\r\n", "CR CR LF: a bare CR then a CRLF")
    }

    @Test func mailAndRcptCommandsCarryOnlyOfferedParameters() {
        let full = SMTPServerCapabilities(serverName: "x", keywords: ["SIZE": ["100"], "DSN": [], "8BITMIME": [], "SMTPUTF8": []])
        let envelope = SMTPClientEnvelope(mailFrom: nil, recipients: [], envelopeID: "a b+c", returnContent: "hdrs")
        #expect(SMTPClientCommands.mail(envelope, size: 42, eightBitMIME: true, smtpUTF8: true, capabilities: full)
                == "MAIL FROM:<> SIZE=42 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=a+20b+2Bc")
        #expect(SMTPClientCommands.mail(envelope, size: 42, eightBitMIME: false, smtpUTF8: false, capabilities: SMTPServerCapabilities())
                == "MAIL FROM:<>")
        let recipient = SMTPClientRecipient(address: "b@example.org", dsn: DSNRequest(
            notify: [.failure, .success], originalRecipient: OriginalRecipient(addressType: "rfc822", address: "B+1@example.org")))
        #expect(SMTPClientCommands.rcpt(recipient, capabilities: full) == "RCPT TO:<b@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;B+2B1@example.org")
        #expect(SMTPClientCommands.rcpt(recipient, capabilities: SMTPServerCapabilities()) == "RCPT TO:<b@example.org>")
        let never = SMTPClientRecipient(address: "b@example.org", dsn: DSNRequest(notify: .never, originalRecipient: OriginalRecipient(addressType: "utf-8", address: "b@example.org")))
        #expect(SMTPClientCommands.rcpt(never, capabilities: full) == "RCPT TO:<b@example.org> NOTIFY=NEVER ORCPT=utf-8;b@example.org")
        // An ORCPT that cannot be sent as one parameter is left out, never sent broken (RFC 3461 §4.2).
        for original in [OriginalRecipient(addressType: "rfc 822", address: "b@example.org"),
                         OriginalRecipient(addressType: "rfc822", address: String(repeating: "x", count: 490) + "@example.org")] {
            #expect(SMTPClientCommands.rcpt(SMTPClientRecipient(address: "b@example.org", dsn: DSNRequest(originalRecipient: original)), capabilities: full)
                    == "RCPT TO:<b@example.org>")
        }
    }

    @Test func envelopesThatCouldInjectCommandsAreRefused() {
        let capabilities = SMTPServerCapabilities(keywords: ["8BITMIME": []])
        for address in ["a@b>\r\nRSET", "a@b\nx", "<a@b>", ""] {
            #expect(throws: SMTPClientError.self) {
                _ = try SMTPClientConnection.prepare(
                    SMTPClientEnvelope(mailFrom: "ok@example.org", recipients: [.init(address: address)]), message: [], capabilities: capabilities)
            }
        }
        #expect(throws: SMTPClientError.invalidEnvelope("no recipients")) {
            _ = try SMTPClientConnection.prepare(SMTPClientEnvelope(mailFrom: nil, recipients: []), message: [], capabilities: capabilities)
        }
    }
}
