import IMAPProtocol
import NIOCore
import Testing

/// REPLACE (RFC 8508 §5), APPEND ... CATENATE (RFC 4469 §5) and IMAP URLs (RFC 5092) as the
/// RFCs write them, and what the grammar refuses. Commands go through the framing decoder, so
/// the literal decisions a client sees are part of what is checked.
@Suite struct ReplaceCatenateGrammarTests {
    static func buffer(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }

    static func command(_ wire: String, encoding: IMAPTextEncoding = .imap4rev1) -> IMAPCommandEvent? {
        commandEvents(Array(wire.utf8), encoding: encoding).last
    }

    @Test func replaceAsTheRFCWritesIt() {
        // RFC 8508 §3.2 and §3.3
        let message = "Subject: happy new year !!\r\n\r\nJust saw the best fireworks show.\r\n"
        #expect(Self.command("A003 REPLACE 4 Drafts (\\Seen \\Draft) {\(message.utf8.count)}\r\n\(message)\r\n")
                == .command(.init(tag: "A003", command: .replace(.number(4), IMAPMailboxName("Drafts"),
                    IMAPAppendMessage(flags: ["\\Seen", "\\Draft"], data: Self.buffer(message)), uid: false))))
        #expect(Self.command("A004 uid replace 2000 Drafts {2+}\r\nhi\r\n")
                == .command(.init(tag: "A004", command: .replace(.number(2000), IMAPMailboxName("Drafts"),
                    IMAPAppendMessage(data: Self.buffer("hi")), uid: true))))
        #expect(Self.command("a REPLACE * INBOX \" 7-Feb-1994 21:52:25 -0800\" ~{1+}\r\nx\r\n")
                == .command(.init(tag: "a", command: .replace(.last, .inbox, IMAPAppendMessage(
                    internalDate: IMAPDateTime(date: IMAPDate(year: 1994, month: 2, day: 7), hour: 21, minute: 52, second: 25, zoneMinutes: -480),
                    data: Self.buffer("x"), binary: true), uid: false))))
    }

    @Test func catenateAsTheRFCWritesIt() {
        // RFC 4469 Appendix A, example 1 (shortened literals)
        let wire = "A003 APPEND Drafts (\\Seen \\Draft $MDNSent) CATENATE (URL \"/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER\" "
            + "TEXT {4+}\r\n--b\n URL \"/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME\" URL \"/Drafts;UIDVALIDITY=385759045/;UID=30\" TEXT {5+}\r\n--b--)\r\n"
        #expect(Self.command(wire) == .command(.init(tag: "A003", command: .append(IMAPMailboxName("Drafts"), [
            IMAPAppendMessage(flags: ["\\Seen", "\\Draft", "$MDNSent"], data: ByteBuffer(), catenate: [
                .url("/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER"), .text(Self.buffer("--b\n")),
                .url("/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME"), .url("/Drafts;UIDVALIDITY=385759045/;UID=30"),
                .text(Self.buffer("--b--")),
            ]),
        ]))))
        // RFC 8508 §4.2: UID REPLACE with CATENATE; MULTIAPPEND with one CATENATE message.
        #expect(Self.command("A011 UID REPLACE 3002 Drafts CATENATE (TEXT {4+}\r\nTo:  URL \"/Drafts/;UID=3002\")\r\n")
                == .command(.init(tag: "A011", command: .replace(.number(3002), IMAPMailboxName("Drafts"),
                    IMAPAppendMessage(data: ByteBuffer(), catenate: [.text(Self.buffer("To: ")), .url("/Drafts/;UID=3002")]), uid: true))))
        #expect(Self.command("a APPEND x {1+}\r\nm CATENATE (URL ;UID=1)\r\n")
                == .command(.init(tag: "a", command: .append(IMAPMailboxName("x"), [
                    IMAPAppendMessage(data: Self.buffer("m")), IMAPAppendMessage(data: ByteBuffer(), catenate: [.url(";UID=1")]),
                ]))))
    }

    @Test func badCatenateSyntaxIsBAD() {
        for wire in ["a APPEND x CATENATE ()\r\n", "a APPEND x CATENATE (URL)\r\n", "a APPEND x CATENATE (FILE \"/x/;UID=1\")\r\n",
                     "a APPEND x CATENATE TEXT {1+}\r\nm\r\n", "a APPEND x CATENATE (TEXT ~{1+}\r\nm)\r\n",
                     "a APPEND x CATENATE (TEXT {1+}\r\n\0)\r\n", "a APPEND x CATENAT (URL \";UID=1\")\r\n",
                     "a REPLACE 0 x {1+}\r\nm\r\n", "a REPLACE 1:2 x {1+}\r\nm\r\n", "a REPLACE 1 x\r\n", "a UID REPLACE $ x {1+}\r\nm\r\n"] {
            guard case .error(let error)? = Self.command(wire) else {
                Issue.record("not refused: \(wire)")
                continue
            }
            #expect(error.tag == "a" && error.kind == .syntax, "\(wire): \(error)")
        }
    }

    @Test func urlsCatenateUses() {
        let drafts = IMAPMailboxName("Drafts")
        // RFC 4469 Appendix A
        #expect(IMAPURL.parse("/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME", selectedMailbox: nil)
                == IMAPMessageURL(mailbox: drafts, uidValidity: 385759045, uid: 20, section: IMAPSection(part: [1], text: .mime)))
        #expect(IMAPURL.parse("/INBOX;UIDVALIDITY=785799047/;UID=113330/;section=1.5.9", selectedMailbox: nil)
                == IMAPMessageURL(mailbox: .inbox, uidValidity: 785799047, uid: 113330, section: IMAPSection(part: [1, 5, 9])))
        #expect(IMAPURL.parse("/Drafts;UIDVALIDITY=385759045/;UID=20/;Section=2.MIME", selectedMailbox: nil)?.section == IMAPSection(part: [2], text: .mime))
        // RFC 8508 §4.2
        #expect(IMAPURL.parse("/Drafts/;UID=3002", selectedMailbox: nil) == IMAPMessageURL(mailbox: drafts, uid: 3002))
        // RFC 5092: %-encoded UTF-8 names, hierarchy, PARTIAL, sections with spaces
        #expect(IMAPURL.parse("/%E6%97%A5%E6%9C%AC/Sub%20Box/;uid=7/;PARTIAL=10.20", selectedMailbox: nil)
                == IMAPMessageURL(mailbox: IMAPMailboxName("日本/Sub Box"), uid: 7, partial: IMAPURLPartial(offset: 10, length: 20)))
        #expect(IMAPURL.parse("/inbox/;UID=1/;SECTION=HEADER.FIELDS%20(SUBJECT%20FROM)/;PARTIAL=0", selectedMailbox: nil)
                == IMAPMessageURL(mailbox: .inbox, uid: 1, section: IMAPSection(text: .headerFields(["SUBJECT", "FROM"])),
                                  partial: IMAPURLPartial(offset: 0, length: nil)))
        // Relative to the selected mailbox (RFC 4469 §3 base imap://user@server/<mailbox>)
        #expect(IMAPURL.parse(";UID=5/;SECTION=TEXT", selectedMailbox: IMAPMailboxName("Work/Drafts"))
                == IMAPMessageURL(mailbox: IMAPMailboxName("Work/Drafts"), uid: 5, section: IMAPSection(text: .text)))
        #expect(IMAPURL.parse("Sent/;UID=5", selectedMailbox: IMAPMailboxName("Work/Drafts"))
                == IMAPMessageURL(mailbox: IMAPMailboxName("Work/Sent"), uid: 5))
        #expect(IMAPURL.parse("Sent/;UID=5", selectedMailbox: nil) == IMAPMessageURL(mailbox: IMAPMailboxName("Sent"), uid: 5))
        #expect(IMAPURL.parse("Sent/;UID=5", selectedMailbox: IMAPMailboxName("a;b/c"))?.mailbox == IMAPMailboxName("a;b/Sent"))
    }

    @Test func urlsThatNameNothingUsable() {
        for url in ["", "/", "imap://alice@mail.example/INBOX/;UID=1", "//mail.example/INBOX/;UID=1", "/INBOX", "/INBOX;UID=1",
                    "/INBOX/;UID=0", "/INBOX/;UID=01", "/INBOX/;UID=4294967296", "/INBOX/;UID=1/", "/INBOX/;UID=1;SECTION=1",
                    "/INBOX/;UID=1/;SECTION=", "/INBOX/;UID=1/;SECTION=BODY", "/INBOX/;UID=1/;SECTION=1.MIME.TEXT",
                    "/INBOX/;UID=1/;SECTION=MIME", "/INBOX/;UID=1/;PARTIAL=1.0", "/INBOX/;UID=1/;PARTIAL=x",
                    "/INBOX/;UID=1/;PARTIAL=1/;SECTION=1", "/INBOX?SUBJECT%20x", "/INBOX;UIDVALIDITY=0/;UID=1",
                    "/INBOX;UIDVALIDITY=1;UID=1", "/INB%4/;UID=1", "/INB%FF/;UID=1", "/IN BOX/;UID=1", "/a//b/;UID=1",
                    "/../INBOX/;UID=1", "/INBOX/;UID=1/;URLAUTH=anonymous", ";UID=1", "/\"INBOX\"/;UID=1"] {
            #expect(IMAPURL.parse(url, selectedMailbox: nil) == nil, "\(url)")
        }
    }
}
