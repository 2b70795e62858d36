import Foundation
import Testing
@testable import MailMessage

/// A received message is parsed once and edited; what it stores, and the summary it hands the
/// store, must be exactly what a fresh parse of the stored bytes would give.
@Suite struct ReceivedMessageTests {
    /// Edits a reception makes: trace fields on top, a received field removed, more on top.
    static func edited(_ bytes: [UInt8]) -> ReceivedMessage {
        var message = ReceivedMessage(bytes: bytes)
        message.prepend("Received: from client.test ([192.0.2.1])\r\n\tby mx.example.test (Hato) with ESMTP id 1; Fri, 4 Dec 2026 10:00:00 +0000\r\n")
        // Remove the second field (whatever it is) and any Bcc.
        let second = message.parsed.header.fields.dropFirst().first
        message.removeReceivedFields { field in field.hasName("Bcc") || (second.map { field.range == $0.range } ?? false) }
        message.prepend("Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=a@b.test\r\n")
        message.prepend("Return-Path: <a@b.test>\r\n")
        return message
    }

    @Test(arguments: try Fixture.corpusNames())
    func summaryOfTheEditIsTheSummaryOfTheStoredBytes(_ name: String) throws {
        let message = Self.edited(try Fixture.bytes(name))
        let stored = message.bytes
        var expected = MessageSummary(parsing: stored)
        var actual = message.summary
        // Problems are about what the client sent (reported once, at reception), not our fields.
        expected.problems = []
        actual.problems = []
        #expect(actual == expected, "\(name)")
        #expect(stored.count == message.parsed.bytes.count + message.headerDelta)
    }

    /// One field of each name the summary reads, and of names it does not (in other cases too),
    /// prepended or removed: the summary must equal a fresh parse's either way, whether the edit
    /// makes it read the header values again or not (`MessageSummary.headerValueFieldNames`).
    static let prependedFields = [
        "Received: from c.test by mx.test; Sat, 5 Dec 2026 10:00:00 +0000", "Authentication-Results: mx.test; dkim=pass",
        "Received-SPF: pass (mx.test: ok)", "DKIM-Signature: v=1; a=rsa-sha256; d=b.test", "Return-Path: <r@b.test>",
        "X-Hato-Risk: low", "Comments: c", "Keywords: k", "Resent-From: r@b.test", "Resent-Date: Sat, 5 Dec 2026 10:00:00 +0000",
        "List-Id: <l.b.test>", "Date: Sat, 5 Dec 2026 10:00:00 +0100", "date: Sun, 6 Dec 2026 11:00:00 -0500",
        "Subject: =?utf-8?q?pr=C3=A9pended?=", "SUBJECT: upper", "From: Prepended <p@c.test>", "Sender: s@c.test",
        "Reply-To: r@c.test", "To: t@c.test, u@c.test", "cc: group: g@c.test;", "Bcc: b@c.test", "Message-ID: <p@c.test>",
        "In-Reply-To: <q@c.test>", "References: <r1@c.test> <r2@c.test>", "references: <r3@c.test>",
    ]

    @Test(arguments: try Fixture.corpusNames())
    func summaryAfterPrependingEachField(_ name: String) throws {
        let bytes = try Fixture.bytes(name)
        for field in Self.prependedFields {
            var message = ReceivedMessage(bytes: bytes)
            message.prepend("Received: x\r\n")
            message.prepend(field + "\r\n")
            var expected = MessageSummary(parsing: message.bytes)
            var actual = message.summary
            expected.problems = []
            actual.problems = []
            #expect(actual == expected, "\(name): \(field)")
        }
        // Removing each received field on its own, except the MIME fields: the structure is not
        // read again after an edit (reception only removes Authentication-Results and Bcc).
        let fields = ReceivedMessage(bytes: bytes).parsed.header.fields
        for index in fields.indices where !fields[index].name.lowercased().hasPrefix("content-") && !fields[index].hasName("MIME-Version") {
            var message = ReceivedMessage(bytes: bytes)
            let range = message.parsed.header.fields[index].range
            message.removeReceivedFields { $0.range == range }
            message.prepend("Received: x\r\n")
            var expected = MessageSummary(parsing: message.bytes)
            var actual = message.summary
            expected.problems = []
            actual.problems = []
            #expect(actual == expected, "\(name): field \(index) removed")
        }
    }

    @Test func editsKeepTheBodyByteForByte() {
        let original = crlf("From: a@b.test\nBcc: secret@b.test\nSubject: hi\nBcc: other@b.test\n\nbody\n.\n")
        var message = ReceivedMessage(bytes: original)
        #expect(message.removeReceivedFields { $0.hasName("bcc") } == 2)
        message.prepend("Received: x\r\n")
        message.prepend("Return-Path: <>\r\n")
        #expect(String(decoding: message.bytes, as: UTF8.self) == "Return-Path: <>\r\nReceived: x\r\nFrom: a@b.test\r\nSubject: hi\r\n\r\nbody\r\n.\r\n")
        #expect(message.header.fields.map(\.name) == ["Return-Path", "Received", "From", "Subject"])
        #expect(message.summary.envelope.bcc.isEmpty, "ENVELOPE is read from the edited header")
    }

    @Test func prependedFieldsAreOnTopInTheOrderAdded() {
        var message = ReceivedMessage(bytes: crlf("Subject: s\n\nb\n"))
        message.prepend("A: 1\r\n")
        message.prepend("B: 2\r\nC: 3\r\n")
        #expect(String(decoding: message.bytes, as: UTF8.self) == "B: 2\r\nC: 3\r\nA: 1\r\nSubject: s\r\n\r\nb\r\n")
        #expect(message.prepended.map(\.range.offset) == [0, 6, 12], "offsets count from the stored bytes")
    }

    @Test func aMessageWithoutHeaderOrBodyStillSummarises() {
        for raw in ["", "\r\n", "\r\nbody only\r\n", "Subject: no body"] {
            var message = ReceivedMessage(bytes: Array(raw.utf8))
            message.prepend("Received: x\r\n")
            var expected = MessageSummary(parsing: message.bytes)
            var actual = message.summary
            expected.problems = []
            actual.problems = []
            #expect(actual == expected, "\(raw.debugDescription)")
        }
    }

    @Test func parsesAreCountedPerTask() async {
        let counter = MessageParseCounter()
        MessageParseCounter.$current.withValue(counter) {
            var message = ReceivedMessage(bytes: crlf("Subject: s\n\nb\n"))
            message.prepend("X: 1\r\n")
            _ = message.summary
            _ = message.bytes
        }
        #expect(counter.parses == 1, "prepending our own fields and summarising do not parse the message again")
        _ = MIMEMessage(parsing: "Subject: elsewhere\r\n\r\n")
        #expect(counter.parses == 1, "parses outside the counted task are not counted")
    }
}
