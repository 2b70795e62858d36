import NIOCore
import Reception
import SMTPProtocol
@testable import SMTPServer
import Testing

/// The SMTP state machine alone: bytes and events in, actions out, no channel or socket
/// (`SMTPSessionDriver`). Replies are asserted as the client would read them.
@Suite struct SMTPSessionTests {
    typealias Driver = SMTPSessionDriver

    @Test func greetingThenTheCommandTimer() {
        var session = Driver(greet: false)
        #expect(session.event(.greeting) == ["220 mail.example.test ESMTP Hato", "arm timer 300s"])
    }

    /// RFC 5321 §3.1: a connection stage may refuse the client before the greeting: 554, or 421
    /// when the refusal is temporary, and the connection closes.
    @Test func connectionStagesRunBeforeTheGreeting() throws {
        var accepted = Driver(phases: .connection, greet: false)
        #expect(accepted.event(.greeting) == ["run connection stages"])
        #expect(!accepted.session.readsInput, "nothing is read before the greeting")
        #expect(accepted.finish(.connection(nil)) == ["220 mail.example.test ESMTP Hato", "arm timer 300s"])
        var refused = Driver(phases: .connection, greet: false)
        _ = refused.event(.greeting)
        let refusal = ReceptionRefusal(550, try #require(SMTPEnhancedStatusCode(5, 7, 1)), "listed at a blocklist")
        let actions = refused.render(refused.session.handle(.stepFinished(.connection(refusal))))
        #expect(actions == ["554 5.7.1 mail.example.test listed at a blocklist", "close"])
        var deferred = Driver(phases: .connection, greet: false)
        _ = deferred.event(.greeting)
        let later = ReceptionRefusal(450, try #require(SMTPEnhancedStatusCode(4, 7, 1)), "try later")
        #expect(deferred.render(deferred.session.handle(.stepFinished(.connection(later)))) == ["421 4.7.1 mail.example.test try later", "close"])
    }

    /// A whole transaction: EHLO, MAIL, RCPT (one known, one unknown), DATA with dot-stuffing,
    /// the one reply after delivery, QUIT.
    @Test func fullDialogWithData() throws {
        var session = Driver()
        let ehlo = session.say("EHLO client.remote.test\r\n")
        #expect(ehlo == ["250-mail.example.test Hello client.remote.test | 250-PIPELINING | 250-SIZE 100000 | 250-8BITMIME | "
            + "250-SMTPUTF8 | 250-ENHANCEDSTATUSCODES | 250-CHUNKING | 250-DSN | 250 STARTTLS"])
        #expect(session.say("MAIL FROM:<sender@remote.test>\r\n") == ["250 2.1.0 Sender OK"])
        #expect(session.say("RCPT TO:<alice@example.test>\r\n") == ["run rcpt stages <alice@example.test>"])
        #expect(try session.finishRecipient() == ["250 2.1.5 Recipient OK"])
        #expect(session.say("RCPT TO:<nobody@example.test>\r\n") == ["run rcpt stages <nobody@example.test>"])
        #expect(try session.finishRecipient(found: false) == ["550 5.1.1 No such user here"])
        #expect(session.say("DATA\r\n") == ["354 Start mail input; end with <CRLF>.<CRLF>"])
        #expect(session.say("Subject: hi\r\n\r\nline one\r\n..dot-stuffed\r\n.\r\n")
            == ["run deliver Subject: hi⏎⏎line one⏎.dot-stuffed⏎"])
        let accepted = session.finishDelivery()
        #expect(accepted.count == 1 && accepted[0].hasPrefix("250 2.0.0 OK queued as "), "\(accepted)")
        #expect(session.session.transaction == nil)
        #expect(session.say("QUIT\r\n") == ["221 2.0.0 mail.example.test Service closing transmission channel", "close"])
        #expect(session.session.isClosed)
        #expect(session.event(.connectionClosed) == ["cancel timer"])
    }

    /// RFC 3030 §2: BDAT chunks are taken as they are (no dot-unstuffing), each answered with
    /// its running total, the LAST one by delivery; RSET forgets a transaction.
    @Test func bdatChunksAndRset() throws {
        var session = Driver()
        _ = session.say("EHLO c.test\r\n")
        #expect(session.say("MAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\n")
            == ["250 2.1.0 Sender OK", "run rcpt stages <alice@example.test>"])
        #expect(try session.finishRecipient() == ["250 2.1.5 Recipient OK"])
        #expect(session.say("BDAT 6\r\nab\r\n..") == ["250 2.0.0 6 octets received"])
        #expect(session.say("BDAT 3 LAST\r\nxyz") == ["run deliver ab⏎..xyz"])
        #expect(session.finishDelivery().first?.hasPrefix("250 2.0.0 OK queued as ") == true)
        #expect(session.say("MAIL FROM:<a@remote.test>\r\nRSET\r\nRCPT TO:<alice@example.test>\r\n")
            == ["250 2.1.0 Sender OK", "250 2.0.0 OK", "503 5.5.1 Need MAIL before RCPT"])
    }

    /// RFC 3030 §2: "DATA and BDAT commands cannot be used in the same transaction"; a BDAT
    /// outside a transaction has its octets discarded and is answered at the chunk's end.
    @Test func bdatThenDataIsRefused() throws {
        var session = Driver()
        _ = session.say("EHLO c.test\r\n")
        #expect(session.say("BDAT 4\r\nRSET") == ["503 5.5.1 Need MAIL and RCPT before BDAT"])
        #expect(session.say("MAIL FROM:<a@remote.test>\r\nBDAT 4\r\nNOOP") == ["250 2.1.0 Sender OK", "554 5.5.1 No valid recipients"])
        #expect(session.say("RCPT TO:<alice@example.test>\r\n").count == 1)
        #expect(try session.finishRecipient() == ["250 2.1.5 Recipient OK"])
        #expect(session.say("BDAT 2\r\nab") == ["250 2.0.0 2 octets received"])
        #expect(session.say("DATA\r\nNOOP\r\n") == ["503 5.5.1 DATA may not follow BDAT in one transaction", "250 2.0.0 OK"],
                "the line after a refused DATA is a command")
    }

    /// RFC 1870 §6, RFC 3030 §2: a message over the limit is read to its end and refused with
    /// 552, which never counts towards the error limit.
    @Test func oversizedMessagesAre552AndNotErrors() throws {
        var session = Driver(limits: SMTPLimits(maxMessageSize: 65_536, maxErrors: 2))
        _ = session.say("EHLO c.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\n")
        #expect(try session.finishRecipient() == ["250 2.1.5 Recipient OK"])
        let big = String(repeating: "x", count: 70_000)
        #expect(session.say("BDAT 70000\r\n" + big + "BDAT 3 LAST\r\nend")
            == ["552 5.3.4 Message too big for system", "552 5.3.4 Message too big for system"])
        #expect(session.say("MAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\n").count == 2)
        #expect(try session.finishRecipient() == ["250 2.1.5 Recipient OK"])
        #expect(session.say("DATA\r\n" + big + "\r\n.\r\n") == ["354 Start mail input; end with <CRLF>.<CRLF>", "552 5.3.4 Message too big for system"])
        #expect(!session.session.isClosed && session.session.errors == 0)
        #expect(session.say("MAIL FROM:<a@remote.test> SIZE=70000\r\n") == ["552 5.3.4 Message size exceeds fixed maximum message size"])
    }

    /// RFC 2920 §3: pipelined commands are answered in order; while a command's step runs,
    /// nothing behind it is decoded, and the rest follows when the step is done.
    @Test func pipelinedCommandsAreAnsweredInOrder() throws {
        var session = Driver()
        let batch = "EHLO c.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\n"
            + "DATA\r\nSubject: p\r\n\r\nbody\r\n.\r\nQUIT\r\n"
        let first = session.say(batch)
        #expect(first.count == 3 && first[1] == "250 2.1.0 Sender OK" && first[2] == "run rcpt stages <alice@example.test>", "\(first)")
        #expect(!session.session.readsInput)
        #expect(session.input.readableBytes > 0, "the rest waits in the input, undecoded")
        #expect(try session.finishRecipient() == ["250 2.1.5 Recipient OK", "run rcpt stages <bob@example.test>"])
        #expect(try session.finishRecipient() == ["250 2.1.5 Recipient OK", "354 Start mail input; end with <CRLF>.<CRLF>",
                                                  "run deliver Subject: p⏎⏎body⏎"])
        let last = session.finishDelivery()
        #expect(last.count == 3 && last[0].hasPrefix("250 2.0.0 OK queued as ") && last[2] == "close", "\(last)")
        #expect(last[1] == "221 2.0.0 mail.example.test Service closing transmission channel")
    }

    /// RFC 5321 §4.1.4: commands out of order get 503 and change nothing.
    @Test func wrongSequenceIs503() throws {
        var session = Driver()
        #expect(session.say("MAIL FROM:<a@remote.test>\r\n") == ["503 5.5.1 Send EHLO or HELO first"])
        #expect(session.say("HELO c.test\r\n") == ["250 mail.example.test"])
        #expect(session.say("RCPT TO:<alice@example.test>\r\n") == ["503 5.5.1 Need MAIL before RCPT"])
        #expect(session.say("DATA\r\nNOOP\r\n") == ["503 5.5.1 Need MAIL and RCPT before DATA", "250 2.0.0 OK"])
        #expect(session.say("MAIL FROM:<a@remote.test>\r\nMAIL FROM:<b@remote.test>\r\n")
            == ["250 2.1.0 Sender OK", "503 5.5.1 Nested MAIL command"])
        #expect(session.say("DATA\r\n") == ["554 5.5.1 No valid recipients"])
        var overTLS = Driver(tlsActive: true)
        #expect(overTLS.say("EHLO c.test\r\nMAIL FROM:<a@remote.test>\r\n").count == 2)
        #expect(overTLS.say("AUTH PLAIN\r\n") == ["503 5.5.1 AUTH not allowed during a mail transaction"])
    }

    /// Grammar errors (500, 501, 502), over-long lines and bare LF line endings; then, at
    /// `max_errors`, 421 and the connection closes (RFC 5321 §4.3.2). A refused recipient is an
    /// answer about the mail and does not count.
    @Test func syntaxErrorsCountUntilTheSessionCloses() throws {
        var session = Driver(limits: SMTPLimits(maxMessageSize: 100_000, maxErrors: 5))
        #expect(session.say("EHLO c.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<nobody@example.test>\r\n").count == 3)
        for _ in 0..<6 {
            #expect(try session.finishRecipient(found: false) == ["550 5.1.1 No such user here"])
            _ = session.say("RCPT TO:<nobody@example.test>\r\n")
        }
        #expect(try session.finishRecipient(found: false) == ["550 5.1.1 No such user here"])
        #expect(session.session.errors == 0)
        #expect(session.say("XYZZY\r\n") == ["500 5.5.2 Syntax error, command unrecognized"])
        #expect(session.say("RCPT TO:alice@example.test\r\n") == ["501 5.1.3 Bad recipient address syntax"])
        #expect(session.say(String(repeating: "N", count: 5000) + "\r\n") == ["500 5.5.2 Line too long"])
        #expect(session.say("NOOP\n") == ["500 5.5.2 Lines must end with CRLF"])
        #expect(session.say("EXPN staff\r\nNOOP\r\n") == ["421 4.7.0 Too many errors, closing connection", "close"],
                "the fifth error closes; nothing after it is read")
        #expect(session.session.isClosed)
    }
}
