import Foundation
import HatoTesting
import Testing

/// REPLACE (RFC 8508) and CATENATE (RFC 4469) through Python's imaplib against `hato serve` (a
/// rev1 session: the replacement in the selected mailbox is \Recent there, RFC 3501 §2.3.2):
/// imaplib sends REPLACE and UID REPLACE with its own literal handling once they are in its
/// command table, and a CATENATE made of URLs only (its commands carry one literal, last).
@Suite struct IMAPReplaceCatenateTests {
    @Test func imaplibReplacesAndCatenates() async throws {
        let served = try await ServedHato.start("""
            [listen]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            """, accounts: [("alice@example.test", "long enough pw")])
        let result = try await Python.run(#"""
            import imaplib, sys
            imaplib.Commands["REPLACE"] = ("SELECTED",)
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login("alice@example.test", "long enough pw")
            def appended(): return M.response("APPENDUID")[1][0].split()[1]
            caps = M.capability()[1][0].split(); print(b"REPLACE" in caps, b"CATENATE" in caps)
            draft = b"Subject: draft 1\r\nTo: mitzy@example.org\r\n\r\nfirst words\r\n"
            print(M.append("Drafts", r"(\Draft)", None, draft)[0], appended())
            M.select("Drafts")
            M.literal = b"Subject: draft 2\r\nTo: mitzy@example.org\r\n\r\nbetter words\r\n"
            typ, data = M._simple_command("REPLACE", "1", "Drafts", r"(\Seen \Draft)")
            print(typ, data, appended(), M.response("EXISTS")[1], M.response("EXPUNGE")[1])
            print(M.uid("FETCH", "2", "(FLAGS BODY.PEEK[TEXT])")[1])
            M.literal = b"Subject: final\r\nTo: mitzy@example.org\r\n\r\nbest words\r\n"
            print(M.uid("REPLACE", "2", "Sent", r"(\Seen)"), appended(), M.response("EXPUNGE")[1])
            typ, data = M._simple_command("APPEND", "Drafts", "CATENATE",
                '(URL "/Sent/;UID=1/;SECTION=HEADER.FIELDS%20(SUBJECT)" URL "/Sent/;UID=1/;SECTION=TEXT")')
            print(typ, appended())
            M.select("Drafts")
            print(M.uid("FETCH", "3", "(BODY.PEEK[])")[1][0][1])
            print(M._simple_command("APPEND", "Drafts", "CATENATE", '(URL "/Sent/;UID=9")'))
            M.literal = b"Subject: x\r\n\r\nx\r\n"
            print(M.uid("REPLACE", "3", "Nowhere", "()"))
            M.literal = b"Subject: x\r\n\r\nx\r\n"
            print(M.uid("REPLACE", "99", "Drafts", "()"))
            print(M.select("Drafts"), M.noop()[0])
            M.logout()
            """#, arguments: [try served.port("imap")])
        #expect(result.stdout == """
            True True
            OK b'1'
            OK [b'REPLACE completed'] b'2' [b'1', b'2'] [b'1']
            [(b'1 (UID 2 FLAGS (\\\\Seen \\\\Draft \\\\Recent) BODY[TEXT] {14}', b'better words\\r\\n'), b')']
            ('OK', [None]) b'1' [b'1']
            OK b'3'
            b'Subject: final\\r\\n\\r\\nbest words\\r\\n'
            ('NO', [b'[BADURL /Sent/;UID=9] CATENATE URL names no message or part of it here'])
            ('NO', [b'[TRYCREATE] no such mailbox'])
            ('NO', [b'no such message to replace'])
            ('OK', [b'1']) OK

            """, "\(result.stdout) \(result.stderr)")
        await served.stop()
    }
}
