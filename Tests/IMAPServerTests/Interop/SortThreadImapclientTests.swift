import Foundation
import HatoTesting
import Testing

/// SORT, SORT=DISPLAY, THREAD and ESORT (RFC 5256, RFC 5957, RFC 5267) through imapclient's
/// sort() and thread() and as raw lines, on a corpus with Japanese encoded-word subjects and
/// names, a missing Date, a broken References chain and In-Reply-To without References; once
/// with stored summaries and once read from the octets.
@Suite struct SortThreadImapclientTests {
    static let available = Python.hasModules("imapclient")

    static func crlf(_ lines: String...) -> String { lines.joined(separator: "\r\n") + "\r\n\r\nbody\r\n" }

    static let corpus = [
        // 会議 (ISO-2022-JP), from 田中 (ISO-2022-JP)
        crlf("From: =?ISO-2022-JP?B?GyRCRURDZhsoQg==?= <tanaka@example.jp>", "To: alice@example.test",
             "Subject: =?ISO-2022-JP?B?GyRCMnE1RBsoQg==?=", "Date: Mon, 2 Nov 2026 10:00:00 +0900", "Message-ID: <k1@example.jp>"),
        // Re: 会議 (UTF-8 B), a reply to 1
        crlf("From: Bob <bob@example.test>", "To: alice@example.test", "Subject: =?UTF-8?B?UmU6IOS8muitsA==?=",
             "Date: Tue, 3 Nov 2026 09:00:00 +0900", "Message-ID: <k2@example.jp>", "References: <k1@example.jp>"),
        // Re: 会議 (UTF-8 Q), no Date, References with a message that is not there
        crlf("From: carol@example.test", "To: alice@example.test", "Subject: =?UTF-8?Q?Re=3A_=E4=BC=9A=E8=AD=B0?=",
             "Message-ID: <k3@example.jp>", "References: <lost@example.jp> <k2@example.jp>"),
        crlf("From: \"Zed\" <alice@example.test>", "To: Dave <dave@example.test>", "Subject: Lunch",
             "Date: Sun, 1 Nov 2026 12:00:00 +0000", "Message-ID: <l1@example.test>"),
        // A reply by subject only
        crlf("From: dave@example.test", "To: alice@example.test", "Subject: Re: lunch", "Date: Sun, 1 Nov 2026 13:00:00 +0000",
             "Message-ID: <l2@example.test>"),
        // In-Reply-To only, no From
        crlf("To: alice@example.test", "Subject: [list] Fwd: Lunch", "Date: Sun, 1 Nov 2026 14:00:00 +0000",
             "Message-ID: <l3@example.test>", "In-Reply-To: <l1@example.test>"),
    ]

    static let script = #"""
        import sys
        from imapclient import IMAPClient
        c = IMAPClient("127.0.0.1", port=int(sys.argv[1]), ssl=False)
        c.login(sys.argv[2], sys.argv[3])
        caps = c.capabilities()
        print(all(x in caps for x in (b"SORT", b"SORT=DISPLAY", b"THREAD=ORDEREDSUBJECT", b"THREAD=REFERENCES", b"ESORT")))
        c.select_folder("INBOX")
        print(c.sort(["SUBJECT"], charset="UTF-8"))
        print(c.sort(["REVERSE DATE"], charset="UTF-8"))
        print(c.sort(["DISPLAYFROM"], charset="UTF-8"))
        print(c.sort(["FROM", "REVERSE ARRIVAL"], charset="UTF-8"))
        print(c.sort(["DISPLAYTO", "SUBJECT"], criteria=["NOT", "FROM", "bob"], charset="UTF-8"))
        print(c.thread("REFERENCES", charset="UTF-8"))
        print(c.thread("ORDEREDSUBJECT", charset="UTF-8"))
        print(c.thread("REFERENCES", criteria=["SUBJECT", "lunch"], charset="UTF-8"))
        c.use_uid = False
        print(c.sort(["SIZE", "SUBJECT"], charset="US-ASCII"))
        # a SUBJECT search string in Shift_JIS (8-bit: imapclient sends it as a literal)
        print(c.sort(["DATE"], criteria=["SUBJECT", "会議"], charset="SHIFT_JIS"))
        c.logout()
        """#

    static let expected = """
        True
        [4, 5, 6, 1, 2, 3]
        [3, 2, 1, 6, 5, 4]
        [6, 2, 3, 5, 4, 1]
        [6, 4, 2, 3, 5, 1]
        [5, 6, 1, 3, 4]
        ((4, (5,), (6,)), (1, 2, 3))
        ((4, (5,), (6,)), (1, (2,), (3,)))
        ((4, (5,), (6,)),)
        [5, 4, 6, 3, 2, 1]
        [1, 2, 3]

        """

    @Test(.enabled(if: available || Python.requiredInCI, "imapclient is not installed: pip install imapclient"),
          arguments: [true, false])
    func sortAndThreadThroughImapclient(summarize: Bool) async throws {
        let fixture = try await IMAPFixture.make(messages: Self.corpus, summarize: summarize)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(Self.script, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == Self.expected, "\(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    /// ESORT (RFC 5267 §3.1): MIN and MAX are the first and last in the sort order and ALL keeps
    /// it; a SORT with no RETURN keeps `* SORT`; errors are SEARCH's.
    @Test func esortAndErrorsAsDialog() async throws {
        let fixture = try await IMAPFixture.make(messages: Self.corpus)
        let (dialog, _) = try await ChannelDialog.imap(fixture)
        try await dialog.login()
        #expect(try await dialog.command("a0", "SORT (DATE) UTF-8 ALL") == ["a0 NO SORT needs a selected mailbox; SELECT one first"])
        _ = try await dialog.command("s", "SELECT INBOX")
        #expect(try await dialog.command("e1", "SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 ALL")
                == ["* ESEARCH (TAG \"e1\") MIN 4 MAX 3 ALL 4:6,1:3 COUNT 6", "e1 OK SORT completed"])
        #expect(try await dialog.command("e2", "UID SORT RETURN () (REVERSE DATE) UTF-8 ALL")
                == ["* ESEARCH (TAG \"e2\") UID ALL 3,2,1,6,5,4", "e2 OK UID SORT completed"])
        #expect(try await dialog.command("e3", "SORT RETURN (COUNT) (DATE) UTF-8 FROM nobody")
                == ["* ESEARCH (TAG \"e3\") COUNT 0", "e3 OK SORT completed"])
        #expect(try await dialog.command("e4", "SORT (DATE) UTF-8 FROM nobody") == ["* SORT", "e4 OK SORT completed"])
        #expect(try await dialog.command("e5", "UID THREAD REFERENCES UTF-8 1:3") == ["* THREAD (1 2 3)", "e5 OK UID THREAD completed"])
        let badCharset = try await dialog.command("e6", "SORT (SUBJECT) KOI8-U ALL")
        #expect(badCharset.count == 1 && badCharset[0].hasPrefix("e6 NO [BADCHARSET (UTF-8 US-ASCII"), "\(badCharset)")
        #expect(try await dialog.command("e7", "SORT (SUBJECT) ALL") == ["e7 BAD expected SP"])
        #expect(try await dialog.command("e8", "THREAD X UTF-8 ALL") == ["e8 BAD unknown threading algorithm"])
        // RFC 7162 §3.1.5: a MODSEQ key adds the highest mod-sequence of the matches.
        let modSeq = try await dialog.command("e9", "SORT (SUBJECT) UTF-8 MODSEQ 1")
        #expect(modSeq.first?.hasPrefix("* SORT 4 5 6 1 2 3 (MODSEQ ") == true, "\(modSeq)")
        try await fixture.store.close()
    }
}
