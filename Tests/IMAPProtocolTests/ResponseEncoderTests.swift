import IMAPProtocol
import NIOCore
import Testing

@Suite struct ResponseEncoderTests {
    static let terry = IMAPAddress(name: "Terry Gray", adl: nil, mailbox: "gray", host: "cac.washington.edu")

    /// RFC 9051 §6.4.5 example ("a003 fetch 12 full"), line breaks of the RFC removed.
    @Test func fetchFullGolden() {
        let envelope = IMAPEnvelope(
            date: "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)", subject: "IMAP4rev2 WG mtg summary and minutes",
            from: [Self.terry], sender: [Self.terry], replyTo: [Self.terry],
            to: [IMAPAddress(name: nil, adl: nil, mailbox: "imap", host: "cac.washington.edu")],
            cc: [IMAPAddress(name: nil, adl: nil, mailbox: "minutes", host: "CNRI.Reston.VA.US"),
                 IMAPAddress(name: "John Klensin", adl: nil, mailbox: "KLENSIN", host: "MIT.EDU")],
            messageID: "<B27397-0100000@cac.washington.ed>")
        let body = IMAPBodyStructure.singlePart(.init(type: "TEXT", subtype: "PLAIN", parameters: [.init(name: "CHARSET", value: "US-ASCII")],
                                                      encoding: "7BIT", octets: 3028, lines: 92))
        let date = IMAPDateTime(date: IMAPDate(year: 1996, month: 7, day: 17), hour: 2, minute: 44, second: 25, zoneMinutes: -420)
        let response = IMAPResponse.data(.fetch(12, [.flags(["\\Seen"]), .internalDate(date), .rfc822Size(4286), .envelope(envelope), .body(body)]))
        #expect(encoded(response) == "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 ENVELOPE ("
            + "\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev2 WG mtg summary and minutes\" "
            + "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            + "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) "
            + "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
            + "\"<B27397-0100000@cac.washington.ed>\") BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n")
    }

    /// RFC 9051 §7.5.2 BODYSTRUCTURE multipart example, then the same with extension data.
    @Test func multipartGolden() {
        let multi = IMAPBodyStructure.multipart(.init(parts: [
            .singlePart(.init(type: "TEXT", subtype: "PLAIN", parameters: [.init(name: "CHARSET", value: "US-ASCII")], octets: 1152, lines: 23)),
            .singlePart(.init(type: "TEXT", subtype: "PLAIN", parameters: [.init(name: "CHARSET", value: "US-ASCII"), .init(name: "NAME", value: "cc.diff")],
                              id: "<960723163407.20117h@cac.washington.edu>", description: "Compiler diff", encoding: "BASE64", octets: 4554, lines: 73,
                              md5: nil, disposition: .init(type: "attachment", parameters: [.init(name: "filename", value: "cc.diff")]),
                              language: ["en", "ja"], location: nil)),
        ], subtype: "MIXED", parameters: [.init(name: "BOUNDARY", value: "x")], language: ["en"]))
        #expect(encoded(.data(.fetch(1, [.body(multi)]))) == "* 1 FETCH (BODY ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)"
            + "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") \"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" "
            + "\"BASE64\" 4554 73) \"MIXED\"))\r\n")
        #expect(encoded(.data(.fetch(1, [.bodyStructure(multi)]))) == "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23 NIL NIL NIL NIL)"
            + "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") \"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" "
            + "\"BASE64\" 4554 73 NIL (\"attachment\" (\"filename\" \"cc.diff\")) (\"en\" \"ja\") NIL) \"MIXED\" (\"BOUNDARY\" \"x\") NIL \"en\" NIL))\r\n")
    }

    @Test func encapsulatedMessageAndBasicParts() {
        let inner = IMAPBodyStructure.singlePart(.init(type: "text", subtype: "plain", octets: 5, lines: 1))
        let message = IMAPBodyStructure.singlePart(.init(type: "message", subtype: "rfc822", octets: 120, lines: 6,
                                                         message: .init(envelope: IMAPEnvelope(subject: "hi"), body: inner)))
        #expect(encoded(.data(.fetch(2, [.body(message)]))) == "* 2 FETCH (BODY (\"message\" \"rfc822\" NIL NIL NIL \"7BIT\" 120 "
            + "(NIL \"hi\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" NIL NIL NIL \"7BIT\" 5 1) 6))\r\n")
        // message/rfc822 without the encapsulated structure is not sent as media-message.
        let opaque = IMAPBodyStructure.singlePart(.init(type: "message", subtype: "rfc822", encoding: "base64", octets: 10))
        #expect(encoded(.data(.fetch(2, [.body(opaque)]))) == "* 2 FETCH (BODY (\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 10))\r\n")
        let image = IMAPBodyStructure.singlePart(.init(type: "image", subtype: "png", octets: 99, md5: "abc", location: "http://x/"))
        #expect(encoded(.data(.fetch(3, [.bodyStructure(image)]))) == "* 3 FETCH (BODYSTRUCTURE (\"image\" \"png\" NIL NIL NIL \"7BIT\" 99 \"abc\" NIL NIL \"http://x/\"))\r\n")
    }

    @Test func bodySectionsAndLiterals() {
        let header = "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n\r\n"
        #expect(encoded(.data(.fetch(12, [.bodySection(.init(text: .header), origin: nil, data: buffer(header))])))
            == "* 12 FETCH (BODY[HEADER] {\(header.utf8.count)}\r\n\(header))\r\n")
        #expect(encoded(.data(.fetch(1, [.bodySection(.init(part: [1, 2], text: .headerFields(["DATE", "X Y"])), origin: 10, data: nil), .uid(7), .modSeq(9)])))
            == "* 1 FETCH (BODY[1.2.HEADER.FIELDS (DATE \"X Y\")]<10> NIL UID 7 MODSEQ (9))\r\n")
        #expect(encoded(.data(.fetch(1, [.binary(part: [1], origin: nil, data: buffer("a\0b")), .binary(part: [], origin: 0, data: buffer("ab")), .binarySize(part: [2], 42)])))
            == "* 1 FETCH (BINARY[1] ~{3}\r\na\0b BINARY[]<0> {2}\r\nab BINARY.SIZE[2] 42)\r\n")
        #expect(encoded(.data(.fetch(1, [.rfc822(buffer("x")), .rfc822Header(nil), .rfc822Text(buffer(""))])))
            == "* 1 FETCH (RFC822 {1}\r\nx RFC822.HEADER NIL RFC822.TEXT {0}\r\n)\r\n")
    }

    @Test func stringsChooseTheirForm() {
        let env = { (subject: String) in IMAPResponse.data(.fetch(1, [.envelope(IMAPEnvelope(subject: subject))])) }
        #expect(encoded(env("a \"q\" \\ b")).contains("\"a \\\"q\\\" \\\\ b\""))
        #expect(encoded(env("line\r\nbreak")).contains(" {11}\r\nline\r\nbreak "))
        #expect(encoded(env("日本")).contains(" {6}\r\n日本 "), "8-bit goes as a literal to rev1 clients")
        #expect(encoded(env("日本"), encoding: .utf8Accepted).contains(" \"日本\" "), "and quoted after ENABLE IMAP4rev2")
        #expect(encoded(env(String(repeating: "x", count: 2000))).contains(" {2000}\r\n"))
        #expect(encoded(env("")).contains("(NIL \"\" NIL"))
    }

    @Test func statusResponses() {
        #expect(encoded(.status(tag: "a1", .ok, code: .readWrite, text: "SELECT completed")) == "a1 OK [READ-WRITE] SELECT completed\r\n")
        #expect(encoded(.status(tag: nil, .ok, code: .permanentFlags(["\\Deleted", "\\Seen", "\\*", "bad flag"]), text: "Limited"))
            == "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n")
        #expect(encoded(.status(tag: "A003", .ok, code: .appendUID(uidValidity: 38505, uids: .ranges([IMAPSequenceRange(3955)])), text: "APPEND completed"))
            == "A003 OK [APPENDUID 38505 3955] APPEND completed\r\n")
        #expect(encoded(.status(tag: "A004", .ok, code: .copyUID(uidValidity: 38505, source: .ranges([IMAPSequenceRange(.number(304), .number(304)), IMAPSequenceRange(.number(319), .number(320))]),
                                                                    destination: .ranges([IMAPSequenceRange(.number(3956), .number(3958))])), text: "Done"))
            == "A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n")
        #expect(encoded(.status(tag: nil, .ok, code: .highestModSeq(715194045007), text: "Highest")) == "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n")
        #expect(encoded(.status(tag: "d105", .ok, code: .modified(.ranges([IMAPSequenceRange(7), IMAPSequenceRange(9)])), text: "Conditional STORE failed"))
            == "d105 OK [MODIFIED 7,9] Conditional STORE failed\r\n")
        #expect(encoded(.status(tag: "a", .no, code: .other("X-FOO", "bar]baz\r\n"), text: "bad\r\ntext")) == "a NO [X-FOO barbaz  ] bad  text\r\n")
        #expect(encoded(.status(tag: nil, .bye, text: "")) == "* BYE completed\r\n")
        #expect(encoded(.status(tag: "a", .no, code: .capability(["IMAP4rev2", "AUTH=PLAIN"]), text: "nö")) == "a NO [CAPABILITY IMAP4rev2 AUTH=PLAIN] n?\r\n")
        #expect(encoded(.status(tag: "a", .no, code: .badCharset(["UTF-8", "ISO-2022-JP"]), text: "x")) == "a NO [BADCHARSET (UTF-8 ISO-2022-JP)] x\r\n")
        #expect(encoded(.continuation("Ready for literal data")) == "+ Ready for literal data\r\n")
        #expect(encoded(.challenge([])) == "+ \r\n")
        #expect(encoded(.challenge(Array("abc".utf8))) == "+ YWJj\r\n")
    }

    @Test func untaggedData() {
        #expect(encoded(.data(.capability(["IMAP4rev2", "STARTTLS", "AUTH=GSSAPI", "LOGINDISABLED"]))) == "* CAPABILITY IMAP4rev2 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n")
        #expect(encoded(.data(.enabled(["CONDSTORE", "QRESYNC"]))) == "* ENABLED CONDSTORE QRESYNC\r\n")
        #expect(encoded(.data(.flags(["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"]))) == "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n")
        #expect(encoded(.data(.exists(172))) == "* 172 EXISTS\r\n")
        #expect(encoded(.data(.recent(1))) == "* 1 RECENT\r\n")
        #expect(encoded(.data(.expunge(44))) == "* 44 EXPUNGE\r\n")
        #expect(encoded(.data(.vanished(earlier: true, .ranges([IMAPSequenceRange(.number(41), .number(41)), IMAPSequenceRange(.number(43), .number(116))]))))
            == "* VANISHED (EARLIER) 41,43:116\r\n")
        #expect(encoded(.data(.search([2, 3, 6], modSeq: 917162500))) == "* SEARCH 2 3 6 (MODSEQ 917162500)\r\n")
        #expect(encoded(.data(.search([], modSeq: 5))) == "* SEARCH\r\n")
        #expect(encoded(.data(.esearch(.init(tag: "A285", uid: true, min: 7, max: 3800)))) == "* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n")
        #expect(encoded(.data(.esearch(.init(tag: "a567", uid: true, all: .ranges([IMAPSequenceRange(.number(4), .number(18)), IMAPSequenceRange(21), IMAPSequenceRange(28)]), count: 17))))
            == "* ESEARCH (TAG \"a567\") UID ALL 4:18,21,28 COUNT 17\r\n")
        #expect(encoded(.data(.esearch(.init(tag: "A284", uid: false)))) == "* ESEARCH (TAG \"A284\")\r\n")
        #expect(encoded(.data(.status(IMAPMailboxName("blurdybloop"), [.init(.messages, 231), .init(.uidNext, 44292)])))
            == "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n")
        #expect(encoded(.data(.list(.init(attributes: [], delimiter: ".", mailbox: IMAPMailboxName("foo"), childInfo: ["SUBSCRIBED"]))))
            == "* LIST () \".\" foo (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n")
        #expect(encoded(.data(.list(.init(attributes: [], delimiter: "/", mailbox: .inbox, oldName: IMAPMailboxName("inbox2")))))
            == "* LIST () \"/\" INBOX (\"OLDNAME\" (inbox2))\r\n")
        #expect(encoded(.data(.list(.init(attributes: ["\\Noselect"], delimiter: nil, mailbox: IMAPMailboxName("")))))
            == "* LIST (\\Noselect) NIL \"\"\r\n")
        #expect(encoded(.data(.lsub(.init(attributes: [], delimiter: "\\", mailbox: IMAPMailboxName("a b")))))
            == "* LSUB () \"\\\\\" \"a b\"\r\n")
        #expect(encoded(.data(.namespace(personal: [.init(prefix: "", delimiter: "/")], otherUsers: [.init(prefix: "~", delimiter: "/")], shared: [])))
            == "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) NIL\r\n")
        #expect(encoded(.data(.quota(root: "", [.init(name: "STORAGE", usage: 10, limit: 512)]))) == "* QUOTA \"\" (STORAGE 10 512)\r\n")
        #expect(encoded(.data(.quotaRoot(.inbox, roots: [""]))) == "* QUOTAROOT INBOX \"\"\r\n")
        #expect(encoded(.data(.id([.init(key: "name", value: "Hato"), .init(key: "support-url", value: nil)]))) == "* ID (\"name\" \"Hato\" \"support-url\" NIL)\r\n")
        #expect(encoded(.data(.id(nil))) == "* ID NIL\r\n")
    }

    /// Numbers are written digit by digit into the buffer (no String per number): every width
    /// from one digit to UInt64.max, and the clamp of UID and message number 0 to 1.
    @Test func fetchNumbersInDecimal() {
        for value: UInt64 in [0, 1, 9, 10, 99, 100, 4_286, 4_294_967_295, 18_446_744_073_709_551_615] {
            #expect(encoded(.data(.fetch(7, [.rfc822Size(value), .modSeq(value)]))) == "* 7 FETCH (RFC822.SIZE \(value) MODSEQ (\(value)))\r\n")
        }
        #expect(encoded(.data(.fetch(0, [.uid(0), .flags([])]))) == "* 1 FETCH (UID 1 FLAGS ())\r\n")
        #expect(encoded(.data(.fetch(4_294_967_295, [.uid(4_294_967_295), .flags(["\\Seen", "bad flag", "$Junk"])])))
            == "* 4294967295 FETCH (UID 4294967295 FLAGS (\\Seen $Junk))\r\n")
    }
}
