// SORT's ordering and THREAD's two algorithms on their own (RFC 5256 §3, RFC 5957 §3), over
// messages parsed as delivery parses them.
import Foundation
import IMAPProtocol
import MailMessage
import Testing
@testable import IMAPServer

@Suite struct SortThreadTests {
    /// Message `number` (also its UID) with the header lines given; internal date `arrival`
    /// hours after a fixed instant.
    static func message(_ number: UInt32, _ headers: [String], arrival: Double = 0, size: Int = 0,
                        maxReferences: Int = 100) -> SortableMessage {
        let bytes = Array((headers.joined(separator: "\r\n") + "\r\n\r\nbody" + String(repeating: "x", count: size) + "\r\n").utf8)
        let stored = Fixtures.stored(bytes, uid: number, internalDate: Date(timeIntervalSince1970: 1_700_000_000 + arrival * 3600))
        return SortableMessage(message: stored, number: number, summary: MessageSummary(parsing: bytes), maxReferences: maxReferences)
    }

    static func sorted(_ messages: [SortableMessage], _ criteria: [IMAPSortCriterion]) -> [UInt32] {
        MessageSorter.sort(messages, by: criteria).map(\.number)
    }

    static func threads(_ messages: [SortableMessage], _ algorithm: IMAPThreadAlgorithm) -> String {
        let line = IMAPResponseEncoder().encode(.data(.thread(MessageThreader.threads(messages, algorithm) { $0.number })))
        return String(buffer: line).replacingOccurrences(of: "* THREAD ", with: "").replacingOccurrences(of: "\r\n", with: "")
    }

    @Test func subjectSortsByBaseSubjectWithJapaneseEncodedWordsAndTiesInMailboxOrder() {
        let messages = [
            Self.message(1, ["Subject: Re: =?ISO-2022-JP?B?GyRCMnE1RBsoQg==?="]),     // Re: 会議
            Self.message(2, ["Subject: beta"]),
            Self.message(3, ["Subject: =?UTF-8?B?5Lya6K2w?="]),                     // 会議
            Self.message(4, ["Subject: [list] Fwd: ALPHA (fwd)"]),
            Self.message(5, []),                                                    // no subject: ""
        ]
        #expect(Self.sorted(messages, [.init(.subject)]) == [5, 4, 2, 1, 3])
        // REVERSE turns the key around; equal keys stay in mailbox order (RFC 5256 §3).
        #expect(Self.sorted(messages, [.init(.subject, reverse: true)]) == [1, 3, 2, 4, 5])
    }

    @Test func dateFallsBackToTheInternalDateAndComparesInstantsAcrossZones() {
        let messages = [
            Self.message(1, ["Date: Mon, 2 Nov 2026 10:00:00 +0900"]),      // 01:00 UTC
            Self.message(2, ["Date: Sun, 1 Nov 2026 20:00:00 -0500"]),      // 01:00 UTC next day... 2 Nov 01:00 UTC
            Self.message(3, ["Date: not a date"], arrival: 0),              // internal date: 14 Nov 2023
            Self.message(4, [], arrival: 1),
        ]
        #expect(Self.sorted(messages, [.init(.date)]) == [3, 4, 1, 2])
        #expect(Self.sorted(messages, [.init(.arrival, reverse: true)]) == [4, 1, 2, 3])
    }

    @Test func sizeAndSecondaryCriteria() {
        let messages = [
            Self.message(1, ["Subject: b"], size: 10),
            Self.message(2, ["Subject: a"], size: 10),
            Self.message(3, ["Subject: c"], size: 5),
            Self.message(4, ["Subject: a"], size: 10),
        ]
        #expect(Self.sorted(messages, [.init(.size)]) == [3, 1, 2, 4])
        #expect(Self.sorted(messages, [.init(.size, reverse: true), .init(.subject)]) == [2, 4, 1, 3])
    }

    @Test func addressKeysUseTheMailboxAndDisplayKeysTheDecodedName() {
        let messages = [
            Self.message(1, ["From: Zed <alice@example.test>", "To: x@example.test", "Cc: \"Mary\" <mary@example.test>"]),
            Self.message(2, ["From: =?UTF-8?B?w4l2ZQ==?= <Carol@example.test>", "To: undisclosed-recipients:;"]),  // Éve
            Self.message(3, ["From: bob@example.test", "To: Group: Amy <amy@example.test>;"]),
            Self.message(4, ["From: \"\" <dave@example.test>"]),
        ]
        // FROM: addr-mailbox alice, Carol, bob, dave (casemapped: ALICE BOB CAROL DAVE).
        #expect(Self.sorted(messages, [.init(.from)]) == [1, 3, 2, 4])
        // DISPLAYFROM (RFC 5957 §3): "Zed", "Éve", the addr-spec "bob@example.test", the
        // addr-spec for an empty name; É decomposes to E + U+0301, so it sorts with E.
        #expect(Self.sorted(messages, [.init(.displayFrom)]) == [3, 4, 2, 1])
        // TO: x, none (a group without members), amy, none → "" first in mailbox order.
        #expect(Self.sorted(messages, [.init(.to)]) == [2, 4, 3, 1])
        #expect(Self.sorted(messages, [.init(.displayTo)]) == [2, 4, 3, 1])
        #expect(Self.sorted(messages, [.init(.cc)]) == [2, 3, 4, 1])
    }

    @Test func referencesLinksChainsBrokenReferencesAndInReplyTo() {
        let messages = [
            Self.message(1, ["Message-ID: <a@x>", "Subject: meeting", "Date: Mon, 2 Nov 2026 10:00:00 +0000"]),
            Self.message(2, ["Message-ID: <b@x>", "References: <a@x>", "Subject: Re: meeting", "Date: Mon, 2 Nov 2026 11:00:00 +0000"]),
            Self.message(3, ["Message-ID: <c@x>", "References: <a@x> <b@x>", "Subject: Re: meeting", "Date: Mon, 2 Nov 2026 12:00:00 +0000"]),
            // In-Reply-To only: its first message ID is the parent.
            Self.message(4, ["Message-ID: <d@x>", "In-Reply-To: <a@x> <zz@x>", "Subject: Re: meeting", "Date: Mon, 2 Nov 2026 13:00:00 +0000"]),
            // A References field whose first entry is missing and whose second already has a parent.
            Self.message(5, ["Message-ID: <e@x>", "References: <lost@x> <b@x>", "Subject: Re: meeting", "Date: Mon, 2 Nov 2026 11:30:00 +0000"]),
        ]
        #expect(Self.threads(messages, .references) == "(1 (2 (5)(3))(4))")
    }

    @Test func referencesMissingParentsDummiesAndSubjectMerging() {
        let messages = [
            // Two replies to a message not in the mailbox: a dummy with two children stays.
            Self.message(1, ["Message-ID: <r1@x>", "References: <gone@x>", "Subject: Re: plans", "Date: Mon, 2 Nov 2026 10:00:00 +0000"]),
            Self.message(2, ["Message-ID: <r2@x>", "References: <gone@x>", "Subject: Re: plans", "Date: Mon, 2 Nov 2026 09:00:00 +0000"]),
            // One reply to a missing message: the dummy goes, the reply is a root.
            Self.message(3, ["Message-ID: <r3@x>", "References: <gone2@x>", "Subject: solo", "Date: Tue, 3 Nov 2026 10:00:00 +0000"]),
            // No references: a reply subject joins the thread of its non-reply base subject.
            Self.message(4, ["Message-ID: <l1@x>", "Subject: Lunch", "Date: Wed, 4 Nov 2026 10:00:00 +0000"]),
            Self.message(5, ["Message-ID: <l2@x>", "Subject: Re: lunch", "Date: Wed, 4 Nov 2026 11:00:00 +0000"]),
            // Two non-replies with one subject: siblings under a new dummy.
            Self.message(6, ["Message-ID: <p1@x>", "Subject: party", "Date: Thu, 5 Nov 2026 10:00:00 +0000"]),
            Self.message(7, ["Message-ID: <p2@x>", "Subject: Party", "Date: Thu, 5 Nov 2026 09:00:00 +0000"]),
            // A message whose base subject matches a dummy's (plans) joins it.
            Self.message(8, ["Message-ID: <q@x>", "Subject: plans", "Date: Fri, 6 Nov 2026 10:00:00 +0000"]),
        ]
        #expect(Self.threads(messages, .references) == "((2)(1)(8))(3)(4 5)((7)(6))")
    }

    @Test func referencesNeverLoopsAndKeepsDuplicateIDsApart() {
        let messages = [
            Self.message(1, ["Message-ID: <x@x>", "References: <y@x>", "Subject: one", "Date: Mon, 2 Nov 2026 10:00:00 +0000"]),
            Self.message(2, ["Message-ID: <y@x>", "References: <x@x>", "Subject: two", "Date: Mon, 2 Nov 2026 11:00:00 +0000"]),
            Self.message(3, ["Message-ID: <self@x>", "References: <self@x>", "Subject: three", "Date: Mon, 2 Nov 2026 12:00:00 +0000"]),
            Self.message(4, ["Message-ID: <dup@x>", "Subject: four", "Date: Mon, 2 Nov 2026 13:00:00 +0000"]),
            Self.message(5, ["Message-ID: <dup@x>", "Subject: five", "Date: Mon, 2 Nov 2026 14:00:00 +0000"]),
            Self.message(6, ["Message-ID: <k@x>", "References: <dup@x>", "Subject: six", "Date: Mon, 2 Nov 2026 15:00:00 +0000"]),
        ]
        // 1 is under 2 (its References), and 2 cannot then go under 1.
        #expect(Self.threads(messages, .references) == "(2 1)(3)(4 6)(5)")
    }

    @Test func aLongReplyChainIsOneFlatThreadAndTheReferenceBoundHolds() {
        var messages: [SortableMessage] = []
        for n in 1...3_000 {
            let references = n == 1 ? [] : ["References: " + (max(1, n - 80)..<n).map { "<m\($0)@x>" }.joined(separator: "\r\n ")]
            messages.append(Self.message(UInt32(n), ["Message-ID: <m\(n)@x>", "Subject: chain"] + references, arrival: Double(n), maxReferences: 50))
        }
        #expect(messages[2_000].references.count == 50 && messages[2_000].references.last == "m2000@x")
        #expect(Self.threads(messages, .references) == "(" + (1...3_000).map(String.init).joined(separator: " ") + ")")
    }

    @Test func orderedSubjectGroupsByBaseSubjectAndOrdersByFirstDate() {
        let messages = [
            Self.message(1, ["Subject: b", "Date: Mon, 2 Nov 2026 12:00:00 +0000"]),
            Self.message(2, ["Subject: Re: a", "Date: Mon, 2 Nov 2026 11:00:00 +0000"]),
            Self.message(3, ["Subject: a", "Date: Mon, 2 Nov 2026 13:00:00 +0000"]),
            Self.message(4, ["Subject: B (fwd)", "Date: Mon, 2 Nov 2026 10:00:00 +0000"]),
            Self.message(5, ["Subject: [x] Re: b"], arrival: 24 * 365 * 10),   // no Date: the internal date, 2033
            Self.message(6, ["Subject: c", "Date: Mon, 2 Nov 2026 09:00:00 +0000"]),
        ]
        #expect(Self.threads(messages, .orderedSubject) == "(6)(4 (1)(5))(2 3)")
    }
}
