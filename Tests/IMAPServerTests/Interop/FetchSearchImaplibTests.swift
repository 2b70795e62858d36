import Foundation
import HatoTesting
import MailStore
import Testing

/// FETCH and SEARCH through Python's imaplib against the running server, checked against
/// Python's email package parsing the same octets: every part's BODY[n] and BINARY[n], the
/// header fields, partial fetches, and SEARCH with ISO-2022-JP / Shift_JIS search strings sent
/// as literals (RFC 9051 §6.4.4, §6.4.5; RFC 3516).
@Suite struct FetchSearchImaplibTests {
    static let messages = [
        Fixtures.mixedHeader + Fixtures.mixedText,
        String(decoding: SearchTextTests.jisMessage, as: UTF8.self),
        String(decoding: SearchTextTests.sjisMessage, as: UTF8.self),
        String(decoding: SearchTextTests.eucMessage, as: UTF8.self),
    ]

    @Test func fetchSectionsMatchPythonsEmailPackage() async throws {
        let fixture = try await IMAPFixture.make(messages: Self.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(#"""
            import email, email.policy, imaplib, re, sys
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login(sys.argv[2], sys.argv[3]); M.select("INBOX")
            def one(n, item):
                typ, data = M.fetch(str(n), "(" + item + ")")
                assert typ == "OK", (typ, data)
                return data[0][1] if isinstance(data[0], tuple) else None
            raw = one(1, "BODY.PEEK[]")
            msg = email.message_from_bytes(raw, policy=email.policy.compat32)
            parts = msg.get_payload()
            # leaf parts 1-3: BINARY[n] equals Python's decoded payload
            for n in (1, 2, 3):
                print("BINARY", n, one(1, "BINARY.PEEK[%d]" % n) == parts[n - 1].get_payload(decode=True))
            # BODY[n] of leaves equals the undecoded payload with CRLF
            for n in (1, 2, 3):
                print("BODY", n, one(1, "BODY.PEEK[%d]" % n).decode() == parts[n - 1].get_payload())
            inner = parts[3].get_payload()[0]
            print("INNER", one(1, "BODY.PEEK[4.1]").decode() == inner.get_payload()[0].get_payload(),
                  one(1, "BODY.PEEK[4.2]").decode() == inner.get_payload()[1].get_payload())
            print("INNER-HEADER", email.message_from_bytes(one(1, "BODY.PEEK[4.HEADER]")).items() == inner.items())
            fields = email.message_from_bytes(one(1, "BODY.PEEK[HEADER.FIELDS (FROM SUBJECT X-LONG)]"), policy=email.policy.compat32)
            print("FIELDS", fields.items() == [(k, v) for k, v in msg.items() if k.lower() in ("from", "subject", "x-long")])
            print("PARTIAL", one(1, "BODY.PEEK[]<10.20>") == raw[10:30])
            typ, data = M.fetch("1", "(BINARY.SIZE[3] BINARY.SIZE[2])")
            print("SIZES", data[0].decode())
            typ, data = M.fetch("1", "(BINARY.PEEK[5])")
            print("UNKNOWN-CTE", typ, data[0].decode().startswith("[UNKNOWN-CTE]"))
            typ, data = M.fetch("1", "(FLAGS)"); print("STILL UNSEEN", data[0].decode())
            """#, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            BINARY 1 True
            BINARY 2 True
            BINARY 3 True
            BODY 1 True
            BODY 2 True
            BODY 3 True
            INNER True True
            INNER-HEADER True
            FIELDS True
            PARTIAL True
            SIZES 1 (BINARY.SIZE[3] 10 BINARY.SIZE[2] 15)
            UNKNOWN-CTE NO True
            STILL UNSEEN 1 (FLAGS (\\Recent))

            """, "\(result.stdout) \(result.stderr)")
        try await listener.stop()
        try await fixture.store.close()
    }

    @Test func searchInJapaneseCharsetsThroughLiterals() async throws {
        let fixture = try await IMAPFixture.make(messages: Self.messages)
        let listener = try await TestListener.start(fixture.server, name: "imap")
        let result = try await Python.run(#"""
            import imaplib, sys
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login(sys.argv[2], sys.argv[3]); M.select("INBOX")
            def search(charset, key, text):
                M.literal = text.encode(charset)
                typ, data = M.search(charset, key)
                return typ, data[0].decode()
            print(search("ISO-2022-JP", "SUBJECT", "会議"))
            print(search("SHIFT_JIS", "SUBJECT", "請求書"))
            print(search("SHIFT_JIS", "BODY", "手数料"))
            print(search("EUC-JP", "BODY", "タワー"))
            print(search("UTF-8", "TEXT", "議事録"))
            print(search("UTF-8", "FROM", "田中"))
            M.literal = "東京".encode()
            typ, data = M.uid("SEARCH", "CHARSET", "UTF-8", "OR", "SUBJECT", "mixed", "BODY")
            print(typ, data[0].decode())
            typ, data = M.search("KOI8-Q", "ALL")
            print("BADCHARSET", typ, data[0].decode())
            """#, arguments: ["\(listener.port)", IMAPFixture.user, IMAPFixture.password])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.prefix(7) == [
            "('OK', '2')", "('OK', '3')", "('OK', '3')", "('OK', '4')", "('OK', '2')", "('OK', '2')", "OK 1 4",
        ], "\(result.stdout) \(result.stderr)")
        #expect(lines.last?.hasPrefix("BADCHARSET NO [BADCHARSET (UTF-8 US-ASCII ISO-2022-JP SHIFT_JIS") == true,
                "\(result.stdout)")
        try await listener.stop()
        try await fixture.store.close()
    }
}
