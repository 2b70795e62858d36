import NIOCore
import SMTPProtocol
import Testing

/// Parses with every extension on unless told otherwise.
func parse(_ line: String, extensions: SMTPExtensions = .all, utf8: Bool = false) throws(SMTPError) -> SMTPCommand {
    try SMTPCommandParser(extensions: extensions).parse(ByteBuffer(string: line), smtpUTF8Transaction: utf8)
}

/// The error a line is refused with, or nil when it parses.
func refusal(_ line: String, extensions: SMTPExtensions = .all, utf8: Bool = false) -> SMTPError? {
    do {
        _ = try parse(line, extensions: extensions, utf8: utf8)
        return nil
    } catch {
        return error
    }
}

func mailbox(_ local: String, _ domain: String) -> SMTPMailbox {
    SMTPMailbox(localPart: local, host: .domain(domain))
}

@Suite struct CommandParserTests {
    @Test func simpleCommands() throws {
        #expect(try parse("DATA") == .data)
        #expect(try parse("data") == .data)
        #expect(try parse("RSET") == .rset)
        #expect(try parse("QUIT ") == .quit)
        #expect(try parse("NOOP") == .noop)
        #expect(try parse("NOOP anything at all") == .noop)
        #expect(try parse("STARTTLS") == .startTLS)
        #expect(try parse("HELP") == .help(nil))
        #expect(try parse("HELP mail") == .help("mail"))
    }

    @Test func hello() throws {
        #expect(try parse("EHLO client.example.org") == .ehlo(.domain("client.example.org")))
        #expect(try parse("ehlo  Mixed-Case.Example ") == .ehlo(.domain("Mixed-Case.Example")))
        #expect(try parse("EHLO [192.0.2.1]") == .ehlo(.addressLiteral(.ipv4([192, 0, 2, 1]))))
        #expect(try parse("HELO localhost") == .helo(.domain("localhost")))
        #expect(try parse("EHLO [IPv6:2001:db8::1]") == .ehlo(.addressLiteral(.ipv6([0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]))))
    }

    @Test(arguments: ["EHLO", "EHLO ", "EHLO under_score.example", "EHLO a..b", "EHLO -a.example", "EHLO a.example.", "EHLO a b",
                      "HELO [300.1.1.1]", "EHLO 日本.example"])
    func badHello(_ line: String) {
        #expect(refusal(line)?.code == 501)
        #expect(refusal(line)?.enhancedCode.description == "5.5.4")
    }

    @Test func mail() throws {
        #expect(try parse("MAIL FROM:<alice@example.org>") == .mail(.path(SMTPPath(mailbox: mailbox("alice", "example.org"))), SMTPMailParameters()))
        #expect(try parse("mail from:<>") == .mail(.null, SMTPMailParameters()))
        #expect(try parse("MAIL FROM: <a@b.example>") == .mail(.path(SMTPPath(mailbox: mailbox("a", "b.example"))), SMTPMailParameters()))
        #expect(try parse("MAIL FROM:<> SIZE=1000 BODY=8BITMIME ") == .mail(.null, SMTPMailParameters(size: 1000, body: .eightBitMIME)))
    }

    @Test func rcpt() throws {
        #expect(try parse("RCPT TO:<bob@example.org>") == .rcpt(.path(SMTPPath(mailbox: mailbox("bob", "example.org"))), SMTPRcptParameters()))
        #expect(try parse("RCPT TO:<Postmaster>") == .rcpt(.postmaster, SMTPRcptParameters()))
        #expect(try parse("rcpt to:<postMASTER>") == .rcpt(.postmaster, SMTPRcptParameters()))
        #expect(try parse("RCPT TO:<Postmaster@example.org>") == .rcpt(.path(SMTPPath(mailbox: mailbox("Postmaster", "example.org"))), SMTPRcptParameters()))
    }

    @Test func sourceRoutesAreParsedAndReported() throws {
        let command = try parse("RCPT TO:<@relay1.example,@relay2.example:user@final.example>")
        #expect(command == .rcpt(.path(SMTPPath(mailbox: mailbox("user", "final.example"), sourceRoute: ["relay1.example", "relay2.example"])), SMTPRcptParameters()))
        let mail = try parse("MAIL FROM:<@a.example:x@b.example>")
        #expect(mail == .mail(.path(SMTPPath(mailbox: mailbox("x", "b.example"), sourceRoute: ["a.example"])), SMTPMailParameters()))
    }

    @Test(arguments: ["MAIL FROM:a@b.example", "MAIL FROM:<a@b.example", "MAIL FROM:<a>", "MAIL FROM:<@a.example>", "MAIL FROM:<a@>",
                      "MAIL FROM:<a b@c.example>", "MAIL FROM:<Postmaster>"])
    func badSender(_ line: String) {
        #expect(refusal(line) == .badSenderAddressSyntax)
        #expect(refusal(line)?.reply.encoded() == "501 5.1.7 Bad sender address syntax\r\n")
    }

    @Test(arguments: ["RCPT TO:<user>", "RCPT TO:<>", "RCPT TO:user@example.org",
                      "RCPT TO:<@relay.example user@x.example>", "RCPT TO:<\"unterminated@x.example>"])
    func badRecipient(_ line: String) {
        #expect(refusal(line) == .badRecipientAddressSyntax)
    }

    @Test(arguments: ["MAIL", "MAIL TO:<a@b.example>", "MAIL FROM<a@b.example>", "RCPT", "RCPT FROM:<a@b.example>", "RCPTTO:<a@b.example>"])
    func badMailRcptForms(_ line: String) {
        let error = refusal(line)
        #expect(error?.code == 501 || error?.code == 500)
    }

    @Test func pathLengthLimit() throws {
        let local = String(repeating: "l", count: 250)
        #expect(try parse("RCPT TO:<\(local)@example.org>") != .quit)  // 264 octets: within the default 512
        let strict = SMTPCommandParser(extensions: .all, limits: SMTPLimits(maxPathLength: 256))
        #expect(throws: SMTPError.badRecipientAddressSyntax) { try strict.parse(Array("RCPT TO:<\(local)@example.org>".utf8)) }
    }

    @Test func bdat() throws {
        #expect(try parse("BDAT 0 LAST") == .bdat(size: 0, last: true))
        #expect(try parse("bdat 1000") == .bdat(size: 1000, last: false))
        #expect(try parse("BDAT 86 last") == .bdat(size: 86, last: true))
        for line in ["BDAT", "BDAT x", "BDAT -1", "BDAT 5 FIRST", "BDAT 5 LAST x", "BDAT 99999999999999999999"] {
            #expect(refusal(line)?.code == 501, "\(line)")
        }
        #expect(refusal("BDAT 5", extensions: [.pipelining]) == .commandNotImplemented)
    }

    @Test func auth() throws {
        #expect(try parse("AUTH PLAIN") == .auth(mechanism: "PLAIN", initialResponse: nil))
        #expect(try parse("auth plain AGFsaWNlAHNlY3JldA==") == .auth(mechanism: "PLAIN", initialResponse: "AGFsaWNlAHNlY3JldA=="))
        #expect(try parse("AUTH LOGIN =") == .auth(mechanism: "LOGIN", initialResponse: "="))
        #expect(try parse("AUTH SCRAM-SHA-256") == .auth(mechanism: "SCRAM-SHA-256", initialResponse: nil))
        for line in ["AUTH", "AUTH PL@IN", "AUTH PLAIN abc def", "AUTH PLAIN a!b", "AUTH \(String(repeating: "X", count: 21))"] {
            #expect(refusal(line)?.code == 501, "\(line)")
        }
        #expect(refusal("AUTH PLAIN", extensions: [.startTLS]) == .commandNotImplemented)
    }

    @Test func verifyAndExpand() throws {
        #expect(try parse("VRFY postmaster") == .vrfy("postmaster", smtpUTF8: false))
        #expect(try parse("VRFY John Smith") == .vrfy("John Smith", smtpUTF8: false))
        #expect(try parse("EXPN staff@example.org SMTPUTF8") == .expn("staff@example.org", smtpUTF8: true))
        #expect(try parse("VRFY 山田 smtputf8") == .vrfy("山田", smtpUTF8: true))
        #expect(refusal("VRFY 山田")?.code == 501)
        #expect(refusal("VRFY")?.code == 501)
        #expect(refusal("EXPN ")?.code == 501)
    }

    @Test func argumentsWhereNoneAreAllowed() {
        for line in ["DATA x", "RSET now", "QUIT please", "STARTTLS x"] {
            #expect(refusal(line)?.code == 501, "\(line)")
        }
    }

    @Test func unknownAndUnimplemented() {
        #expect(refusal("") == .commandUnrecognized)
        #expect(refusal("XYZZY") == .commandUnrecognized)
        #expect(refusal("MAIL\u{0}FROM:<>") == .commandUnrecognized)
        #expect(refusal(" DATA") == .commandUnrecognized)
        #expect(refusal("日本") == .commandUnrecognized)
        #expect(refusal("GET / HTTP/1.1") == .commandUnrecognized)
        #expect(refusal("TURN") == .commandNotImplemented)
        #expect(refusal("ETRN example.org") == .commandNotImplemented)
        #expect(refusal("STARTTLS", extensions: []) == .commandNotImplemented)
        #expect(SMTPError.commandUnrecognized.reply.encoded() == "500 5.5.2 Syntax error, command unrecognized\r\n")
        #expect(SMTPError.commandNotImplemented.reply.encoded() == "502 5.5.1 Command not implemented\r\n")
    }

    @Test func keywordOfEveryCommand() throws {
        #expect(try parse("EHLO a").keyword == "EHLO")
        #expect(try parse("BDAT 1").keyword == "BDAT")
        #expect(try parse("STARTTLS").keyword == "STARTTLS")
    }
}
