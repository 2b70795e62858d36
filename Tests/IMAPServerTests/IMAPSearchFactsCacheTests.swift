import Foundation
import HatoTesting
@testable import IMAPServer
import MailStore
import Testing

/// SEARCH and SORT of a session whose view is current take flags from the view and the rest of
/// each message from the server's `MessageFactsCache` (issue 24). A client must see exactly what
/// a read of the store's rows would give: other sessions' flag changes, expunges and appends once
/// heard, and a mailbox deleted and created again under the same name (SQLite hands the new one
/// the old one's row id) never answered with the old messages' subjects, sizes or dates.
@Suite struct IMAPSearchFactsCacheTests {
    @Test func searchesAfterOtherSessionsChangesSeeTheStore() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys, time
            def session():
                M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login(sys.argv[2], sys.argv[3]); M.select("INBOX"); return M
            A, B = session(), session()
            def show(r): print(r[0], [x.decode() if isinstance(x, bytes) else x for x in r[1]])
            def hear(code):
                # NOOP until A has been told (the feed delivers other sessions' changes a moment
                # later). imaplib keeps untagged responses until asked (SELECT's EXISTS too):
                # `forget` drops them before the change.
                for _ in range(500):
                    A.noop()
                    if A.response(code)[1] != [None]: return
                    time.sleep(0.01)
                raise SystemExit("never heard " + code)
            def forget(code): A.response(code)
            show(A.search(None, "FROM", "bob"))
            show(A.search(None, "SUBJECT", "t", "LARGER", "10"))
            forget("FETCH")
            B.store("3", "+FLAGS.SILENT", "(\\\\Seen)")
            hear("FETCH")
            show(A.search(None, "FROM", "bob", "UNSEEN"))
            show(A.search(None, "FROM", "bob", "SEEN"))
            forget("EXPUNGE")
            B.store("1", "+FLAGS.SILENT", "(\\\\Deleted)"); B.expunge()
            hear("EXPUNGE")
            show(A.search(None, "FROM", "bob"))
            forget("EXISTS")
            B.append("INBOX", None, None, b"From: Bob <bob@example.test>\\r\\nSubject: four\\r\\n\\r\\nfourth body\\r\\n")
            hear("EXISTS")
            show(A.search(None, "FROM", "bob"))
            show(A.uid("SEARCH", "SUBJECT", "four"))
            show(A.sort("(SUBJECT)", "UTF-8", "ALL"))
            show(A.search(None, "SEEN", "SUBJECT", "three"))
            A.logout(); B.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            OK ['1 3']
            OK ['2 3']
            OK ['1']
            OK ['3']
            OK ['2']
            OK ['2 3']
            OK ['4']
            OK ['3 2 1']
            OK ['2']

            """, "\(result.stderr)")
        // The searches above went through the cache: every message A saw has its entry.
        #expect(fixture.server.facts.count == 4)
        try await listener.stop()
    }

    /// FETCH of a current view takes its rows from the cache too: flags as heard, sizes, BODY[]
    /// and BODYSTRUCTURE of the message itself, in sequence order.
    @Test func fetchOfACurrentViewSeesFlagsOrderAndOctets() async throws {
        let fixture = try await IMAPFixture.make(messages: IMAPFixture.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys, time, re
            def session():
                M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login(sys.argv[2], sys.argv[3]); M.select("INBOX"); return M
            A, B = session(), session()
            def lines(r): return [x[0].decode() if isinstance(x, tuple) else x.decode() for x in r[1] if x != b")"]
            A.fetch("1:*", "(RFC822.SIZE)")  # fills the cache, summaries not decoded
            A.response("FETCH")
            B.store("2", "+FLAGS.SILENT", "(\\\\Answered)")
            for _ in range(500):
                A.noop()
                if A.response("FETCH")[1] != [None]: break
                time.sleep(0.01)
            print(" | ".join(lines(A.fetch("3,1,2", "(FLAGS RFC822.SIZE)"))))
            typ, data = A.fetch("2", "(BODY.PEEK[] BODYSTRUCTURE)")
            rest = b"".join(x if isinstance(x, bytes) else x[0] for x in data).lower()
            print(typ, data[0][1] == sys.argv[4].encode(), b'bodystructure ("text" "plain"' in rest)
            print(" | ".join(lines(A.fetch("2", "(FLAGS)"))))
            print(A.search(None, "FROM", "carol")[1], A.search(None, "SUBJECT", "three")[1])  # folded now
            A.logout(); B.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password, IMAPFixture.messages[1]])
        let sizes = IMAPFixture.messages.map { $0.utf8.count }
        #expect(result.stdout == """
            1 (FLAGS (\\Recent) RFC822.SIZE \(sizes[0])) | 2 (FLAGS (\\Answered \\Recent) RFC822.SIZE \(sizes[1])) | 3 (FLAGS (\\Recent) RFC822.SIZE \(sizes[2]))
            OK True True
            2 (FLAGS (\\Answered \\Recent))
            [b'2'] [b'3']

            """, "\(result.stderr)")
        try await listener.stop()
    }

    @Test func aMailboxCreatedAgainIsNotAnsweredFromTheOldOnesFacts() async throws {
        let fixture = try await IMAPFixture.make()
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run("""
            import imaplib, sys
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login(sys.argv[2], sys.argv[3])
            def show(r): print(r[0], [x.decode() if isinstance(x, bytes) else x for x in r[1]])
            M.create("Work")
            M.append("Work", None, '"01-Jan-2020 10:00:00 +0000"', b"Subject: alpha\\r\\n\\r\\n" + b"x" * 500 + b"\\r\\n")
            M.select("Work")
            show(M.search(None, "SUBJECT", "alpha"))
            show(M.search(None, "LARGER", "400"))
            show(M.search(None, "BEFORE", "01-Jan-2021"))
            M.unselect(); M.delete("Work"); M.create("Work")
            M.append("Work", None, '"01-Jan-2024 10:00:00 +0000"', b"Subject: beta\\r\\n\\r\\nshort\\r\\n")
            M.select("Work")
            show(M.search(None, "SUBJECT", "alpha"))
            show(M.search(None, "SUBJECT", "beta"))
            show(M.search(None, "LARGER", "400"))
            show(M.search(None, "BEFORE", "01-Jan-2021"))
            show(M.search(None, "BODY", "short"))
            M.logout()
            """, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.stdout == """
            OK ['1']
            OK ['1']
            OK ['1']
            OK ['']
            OK ['1']
            OK ['']
            OK ['']
            OK ['1']

            """, "\(result.stderr)")
        try await listener.stop()
    }
}

@Suite struct MessageFactsCacheTests {
    static func message(_ mailbox: Int64, _ uid: UInt32, size: Int64 = 10) -> StoredMessage {
        StoredMessage(mailboxID: MailboxID(mailbox), uid: uid, modSeq: 1, flags: MessageFlags(), internalDate: Date(timeIntervalSince1970: 0),
                      size: size, body: BodyReference(path: "b\(uid)"), summary: nil)
    }

    @Test func lookupGivesHitsAndMissesInOrder() {
        let cache = MessageFactsCache(limit: 10)
        cache.insert([Self.message(1, 2), Self.message(1, 4)], uidValidity: 7, fold: false)
        let (found, missing) = cache.lookup(MailboxID(1), uidValidity: 7, uids: [1, 2, 3, 4])
        #expect(found.map(\.message.uid) == [2, 4])
        #expect(missing == [1, 3])
        // Another UIDVALIDITY, or another mailbox, is another message.
        #expect(cache.lookup(MailboxID(1), uidValidity: 8, uids: [2]).missing == [2])
        #expect(cache.lookup(MailboxID(2), uidValidity: 7, uids: [2]).missing == [2])
    }

    @Test func staysWithinTwoGenerationsAndKeepsWhatIsUsed() {
        let cache = MessageFactsCache(limit: 4)
        cache.insert((1...4).map { Self.message(1, $0) }, uidValidity: 1, fold: false)
        cache.insert((5...8).map { Self.message(1, $0) }, uidValidity: 1, fold: false)  // 1-4 now the older generation
        #expect(cache.count == 8)
        // A hit in the older generation moves forward, so it outlives the next roll-over.
        #expect(cache.lookup(MailboxID(1), uidValidity: 1, uids: [2]).found.count == 1)
        cache.insert((9...12).map { Self.message(1, $0) }, uidValidity: 1, fold: false)
        #expect(cache.count <= 8)
        #expect(cache.lookup(MailboxID(1), uidValidity: 1, uids: [2]).missing.isEmpty)
        #expect(cache.lookup(MailboxID(1), uidValidity: 1, uids: [1]).missing == [1])
    }

    @Test func limitZeroKeepsNothing() {
        let cache = MessageFactsCache(limit: 0)
        cache.insert([Self.message(1, 1)], uidValidity: 1, fold: false)
        #expect(cache.count == 0)
        #expect(cache.lookup(MailboxID(1), uidValidity: 1, uids: [1]).missing == [1])
    }

    @Test func theViewsFlagsAndModSeqReplaceTheCachedOnes() {
        let cached = Self.message(1, 3, size: 99)
        let flags = MessageFlags(system: .seen, keywords: ["$label1"])
        let seen = cached.with(flags: flags, modSeq: 42)
        #expect(seen.flags == flags && seen.modSeq == 42)
        #expect(seen.size == 99 && seen.body == cached.body && seen.uid == 3)
    }
}

/// `SearchFacts` must fold exactly what `SearchedMessage` reads from a summary without them.
@Suite struct SearchFactsTests {
    static let messages = IMAPFixture.messages + [
        "From: =?UTF-8?B?w4ltaWxl?= <emile@example.test>\r\nTo: Team: ann@example.test, \"Bo, B.\" <bo@example.test>;\r\n"
            + "Cc: CAROL@EXAMPLE.TEST\r\nBcc: hidden@example.test\r\nSubject: =?ISO-8859-1?Q?R=E9sum=E9?= Ärger\r\n"
            + "Date: Sun, 31 Dec 2023 23:30:00 -0500\r\n\r\nbody\r\n",
        "Subject:\r\nDate: not a date\r\n\r\nno addresses\r\n",
        "X-Only: this\r\n\r\nneither subject nor date\r\n",
    ]

    @Test func factsAgreeWithTheSummaryPath() throws {
        for (index, text) in Self.messages.enumerated() {
            let bytes = Array(text.utf8)
            let message = StoredMessage(mailboxID: MailboxID(1), uid: UInt32(index + 1), modSeq: 1, flags: MessageFlags(),
                                        internalDate: Date(), size: Int64(bytes.count), body: BodyReference(path: "x"),
                                        summary: TestSummaries.summarize(bytes))
            let cached = CachedMessage(message, fold: true)
            let facts = try #require(cached.search)
            let plain = SearchedMessage(message: message, body: nil)
            let withFacts = SearchedMessage(message: message, body: nil, facts: facts)
            for name in ["subject", "from", "to", "cc", "bcc", "reply-to"] {
                let expected = plain.headerValues(Array(name.utf8))
                #expect(facts.values(Array(name.utf8)) == expected, "\(name) of message \(index + 1)")
                #expect(withFacts.headerValues(Array(name.utf8)) == expected, "\(name) of message \(index + 1)")
            }
            #expect(withFacts.sentDate == plain.sentDate, "date of message \(index + 1)")
        }
        // A message without a stored summary has no facts: the search reads its octets.
        let bare = StoredMessage(mailboxID: MailboxID(1), uid: 9, modSeq: 1, flags: MessageFlags(), internalDate: Date(), size: 1,
                                 body: BodyReference(path: "x"), summary: nil)
        #expect(CachedMessage(bare, fold: true).search == nil)
    }
}
