import Reception
import SASL
import SMTPProtocol
@testable import SMTPServer
import Testing

/// The one failure-to-reply mapping (`SMTPFailure`), and the machine giving the same dialog
/// whatever the read boundaries.
@Suite struct SMTPFailureTests {
    /// Code, enhanced status code (RFC 3463), whether it counts towards `max_errors`, whether
    /// the connection closes after it.
    @Test func failuresMapToTheirReplies() {
        let cases: [(SMTPFailure, String, Bool, Bool)] = [
            (SMTPFailure.lineTooLong, "500 5.5.2 Line too long", true, false),
            (.authLineTooLong, "500 5.5.6 Authentication exchange line is too long", true, false),
            (.bareLineFeed, "500 5.5.2 Lines must end with CRLF", true, false),
            (.syntax(.syntaxErrorInParameters), "501 5.5.4 Syntax error in parameters or arguments", true, false),
            (.heloFirst, "503 5.5.1 Send EHLO or HELO first", true, false),
            (.nestedMail, "503 5.5.1 Nested MAIL command", true, false),
            (.rcptBeforeMail, "503 5.5.1 Need MAIL before RCPT", true, false),
            (.dataBeforeMail, "503 5.5.1 Need MAIL and RCPT before DATA", true, false),
            (.bdatBeforeMail, "503 5.5.1 Need MAIL and RCPT before BDAT", true, false),
            (.chunkOutOfSequence, "503 5.5.1 Bad sequence of commands", true, false),
            (.dataAfterBDAT, "503 5.5.1 DATA may not follow BDAT in one transaction", true, false),
            (.noValidRecipients, "554 5.5.1 No valid recipients", true, false),
            (.authenticationRequired, "530 5.7.0 Authentication required", true, false),
            (.declaredSizeTooLarge, "552 5.3.4 Message size exceeds fixed maximum message size", true, false),
            (.senderNotAcceptable, "501 5.1.7 Sender address not acceptable here", true, false),
            (.tooManyRecipients, "452 4.5.3 Too many recipients", false, false),
            (.messageTooLarge, "552 5.3.4 Message too big for system", false, false),
            (.bareLineEndingInContent, "554 5.6.0 Message contains bare CR or LF; lines must end with CRLF", true, false),
            (.expnUnavailable, "502 5.5.1 EXPN is not available", true, false),
            (.startTLSUnavailable, "502 5.5.1 Command not implemented", true, false),
            (.tlsAlreadyActive, "503 5.5.1 TLS already active", true, false),
            (.alreadyAuthenticated, "503 5.5.1 Already authenticated", true, false),
            (.authDuringTransaction, "503 5.5.1 AUTH not allowed during a mail transaction", true, false),
            (.encryptionRequired, "538 5.7.11 Encryption required for requested authentication mechanism", true, false),
            (.authentication(.invalidCredentials), "535 5.7.8 Authentication credentials invalid", false, false),
            (.authentication(.cancelled), "501 5.5.2 Authentication cancelled", false, false),
            (.refused(ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 7, 1)!, "SPF fail")), "550 5.7.1 SPF fail", false, false),
            (.refused(ReceptionRefusal(451, SMTPEnhancedStatusCode(4, 7, 1)!, "greylisted")), "451 4.7.1 greylisted", false, false),
            (.connectionRefused(ReceptionRefusal(550, SMTPEnhancedStatusCode(5, 7, 1)!, "blocked")), "554 5.7.1 h.test blocked", false, true),
            (.mailboxFull, "552 5.2.2 Mailbox full", false, false),
            (.localError, "451 4.3.0 Local error in processing; try again later", false, false),
            (.tooManyErrors, "421 4.7.0 Too many errors, closing connection", false, true),
            (.commandTimeout, "421 4.4.2 h.test timeout, closing connection", false, true),
            (.dataTimeout, "421 4.4.2 h.test timeout waiting for message data", false, true),
            (.shuttingDown, "421 4.3.2 h.test Service not available, closing transmission channel", false, true),
        ]
        for (failure, reply, counts, closes) in cases {
            #expect(failure.error(host: "h.test").reply.encoded() == reply + "\r\n")
            #expect(failure.countsAsError == counts, "\(failure)")
            #expect(failure.closesConnection == closes, "\(failure)")
        }
    }

    /// A stage's cause goes to the log only, never to the client.
    @Test func refusalCauseIsNotSent() throws {
        let refusal = ReceptionRefusal(550, try #require(SMTPEnhancedStatusCode(5, 7, 1)), "rejected", cause: "internal detail")
        let error = SMTPFailure.refused(refusal).error(host: "h.test")
        #expect(error.cause == "internal detail")
        #expect(!error.reply.encoded().contains("internal"))
    }

    /// Delivery outcomes: accepted when any recipient got it; otherwise the first failure.
    @Test func deliveryOutcomes() throws {
        let address = try SMTPSessionDriver.account("alice@example.test").address
        #expect(SMTPSession.failure(of: [.delivered([address]), .failed(.quotaExceeded("alice"))]) == nil)
        #expect(SMTPSession.failure(of: [.failed(.quotaExceeded("alice"))]) == .mailboxFull)
        #expect(SMTPSession.failure(of: [.failed(.messageTooLarge(10, limit: 5))]) == .messageTooLarge)
        #expect(SMTPSession.failure(of: [.failed(.mailboxNotFound("INBOX"))]) == .localError)
    }

    /// The same dialog, whole, one byte per read, and with every CR and its LF in different
    /// reads, gives the same replies and delivers the same message (the decoder's contract seen
    /// through the session: RFC 5321 §2.3.8, §4.5.2; RFC 3030 §2).
    @Test func theSameDialogWhateverTheReadBoundaries() throws {
        let dialog = [
            "EHLO client.remote.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\n",
            "DATA\r\nSubject: drip\r\n\r\n..stuffed\r\nbare\nLF\r\n.\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<bob@example.test>\r\n",
            "DATA\r\nSubject: ok\r\n\r\n.\r\n..two\r\n.\r\n",
            "MAIL FROM:<a@remote.test>\r\nRCPT TO:<bob@example.test>\r\n",
            "BDAT 5\r\n.\r\n\r\nBDAT 0 LAST\r\nRSET\r\nQUIT\r\n",
        ]
        func run(_ feed: (inout SMTPSessionDriver, String) -> [String]) throws -> [String] {
            var session = SMTPSessionDriver()
            var seen: [String] = []
            for text in dialog {
                seen += feed(&session, text)
                while case .recipient = session.lastStep {
                    seen += try session.finishRecipient()
                }
                if case .deliver = session.lastStep {
                    seen += session.finishDelivery().map { $0.hasPrefix("250 2.0.0 OK queued as ") ? "250 queued" : $0 }
                }
                session.lastStep = nil
            }
            return seen
        }
        let whole = try run { $0.say($1) }
        let bytes = try run { $0.drip($1) }
        let crSplit = try run { session, text in
            text.split(separator: "\r", omittingEmptySubsequences: false).enumerated().flatMap { index, piece in
                session.say((index > 0 ? "\r" : "") + piece)
            }
        }
        #expect(whole.contains("554 5.6.0 Message contains bare CR or LF; lines must end with CRLF"), "\(whole)")
        #expect(whole.contains("run deliver Subject: ok⏎⏎"), "\(whole)")
        #expect(whole.contains("run deliver .⏎⏎"), "BDAT content is not unstuffed: \(whole)")
        #expect(whole.last == "close")
        #expect(bytes == whole)
        #expect(crSplit == whole)
    }
}
