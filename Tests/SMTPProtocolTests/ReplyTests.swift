import NIOCore
import SMTPProtocol
import Testing

@Suite struct ReplyTests {
    @Test func singleLineWithEnhancedCode() {
        #expect(SMTPReply.ok.encoded() == "250 2.0.0 OK\r\n")
        #expect(SMTPReply.senderOK.encoded() == "250 2.1.0 Sender OK\r\n")
        #expect(SMTPReply.recipientOK.encoded() == "250 2.1.5 Recipient OK\r\n")
        #expect(SMTPReply.ok.encoded(enhancedStatusCodes: false) == "250 OK\r\n")
    }

    /// RFC 2034 §4: the same enhanced code on every line of a multi-line reply.
    @Test func multiLine() {
        let reply = SMTPReply(214, SMTPEnhancedStatusCode("2.0.0"), ["Commands:", "EHLO MAIL RCPT", "See RFC 5321"])
        #expect(reply.encoded() == "214-2.0.0 Commands:\r\n214-2.0.0 EHLO MAIL RCPT\r\n214 2.0.0 See RFC 5321\r\n")
    }

    /// RFC 2034 §4: no enhanced code on 3xx, the greeting, or HELO/EHLO replies.
    @Test func repliesWithoutEnhancedCodes() {
        #expect(SMTPReply.startMailInput.encoded() == "354 Start mail input; end with <CRLF>.<CRLF>\r\n")
        #expect(SMTPReply.greeting(domain: "mx.example").encoded() == "220 mx.example ESMTP Hato\r\n")
        #expect(SMTPReply.authChallenge("").encoded() == "334 \r\n")
        #expect(SMTPReply.helo(domain: "mx.example").encoded() == "250 mx.example\r\n")
    }

    @Test func ehloGolden() {
        let reply = SMTPReply.ehlo(
            domain: "mx.example", greeting: "greets client.example",
            capabilities: [.pipelining, .size(52_428_800), .eightBitMIME, .smtpUTF8, .enhancedStatusCodes, .startTLS,
                           .auth(["plain", "LOGIN"]), .chunking, .binaryMIME, .dsn]
        )
        #expect(reply.encoded() == """
            250-mx.example greets client.example\r
            250-PIPELINING\r
            250-SIZE 52428800\r
            250-8BITMIME\r
            250-SMTPUTF8\r
            250-ENHANCEDSTATUSCODES\r
            250-STARTTLS\r
            250-AUTH PLAIN LOGIN\r
            250-CHUNKING\r
            250-BINARYMIME\r
            250 DSN\r

            """)
        #expect(SMTPReply.ehlo(domain: "mx.example", capabilities: []).encoded() == "250 mx.example\r\n")
        #expect(SMTPCapability.size(nil).ehloLine == "SIZE")
    }

    @Test func extensionsFollowCapabilities() {
        let extensions = SMTPExtensions([.pipelining, .size(10), .auth(["PLAIN"])])
        #expect(extensions == [.pipelining, .size, .auth])
        #expect(!extensions.contains(.startTLS))
    }

    /// Text from anywhere can never split a reply or add a line.
    @Test func controlCharactersAreNeutralised() {
        let reply = SMTPReply(550, SMTPEnhancedStatusCode("5.1.1"), "No such user <a>\r\n250 2.0.0 forged")
        #expect(reply.encoded() == "550 5.1.1 No such user <a>  250 2.0.0 forged\r\n")
    }

    /// RFC 5321 §4.5.3.1.5: 512 octets per reply line, CRLF included; cut on a UTF-8 boundary.
    @Test func longLinesAreCut() {
        let reply = SMTPReply(250, SMTPEnhancedStatusCode("2.0.0"), String(repeating: "é", count: 400))
        let encoded = reply.encoded()
        #expect(encoded.utf8.count <= 512)
        #expect(encoded.hasSuffix("é\r\n"))
    }

    @Test func enhancedStatusCodes() {
        #expect(SMTPEnhancedStatusCode("5.7.1")?.description == "5.7.1")
        #expect(SMTPEnhancedStatusCode("4.123.999") != nil)
        for bad in ["3.0.0", "5.1", "5.1.1.1", "5.1000.1", "55.1.1", "5..1", "a.b.c", "5.1.-1"] {
            #expect(SMTPEnhancedStatusCode(bad) == nil, "\(bad)")
        }
    }

    @Test func errorsKnowTheirReplies() {
        let error = SMTPError.badSequence.withCause("RCPT before MAIL")
        #expect(error.reply.encoded() == "503 5.5.1 Bad sequence of commands\r\n")
        #expect(!error.isTemporary)
        #expect(error.description == "503 5.5.1 Bad sequence of commands (RCPT before MAIL)")
        #expect(!error.reply.encoded().contains("RCPT before MAIL"))
        #expect(SMTPError.tooManyRecipients.isTemporary)
        #expect(SMTPError.tooManyErrors.closesConnection)
        #expect(SMTPError.lineTooLong.reply.encoded() == "500 5.5.2 Line too long\r\n")
        #expect(SMTPError.authLineTooLong.reply.encoded() == "500 5.5.6 Authentication exchange line is too long\r\n")
        #expect(SMTPError.bareLineEndingInContent.reply.encoded() == "554 5.6.0 Message contains bare CR or LF; lines must end with CRLF\r\n")
        #expect(SMTPContentEnd(octets: 3, problem: nil).error == nil)
        #expect(SMTPContentEnd(octets: 3, problem: .bareLineEnding).error == .bareLineEndingInContent)
    }

    @Test func standardReplies() {
        #expect(SMTPReply.closing(domain: "mx.example").encoded() == "221 2.0.0 mx.example Service closing transmission channel\r\n")
        #expect(SMTPReply.readyToStartTLS.encoded() == "220 2.0.0 Ready to start TLS\r\n")
        #expect(SMTPReply.cannotVerify.encoded().hasPrefix("252 2.5.0 "))
        #expect(SMTPReply.authenticationSucceeded.encoded() == "235 2.7.0 Authentication successful\r\n")
        #expect(SMTPReply.messageAccepted(id: "abc").encoded() == "250 2.0.0 OK queued as abc\r\n")
        #expect(SMTPReply.shuttingDown(domain: "mx.example").isTemporaryFailure)
    }
}
