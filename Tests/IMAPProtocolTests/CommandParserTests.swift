import IMAPProtocol
import NIOCore
import Testing

private func mb(_ s: String) -> IMAPMailboxName { IMAPMailboxName(s) }
private func set(_ ranges: IMAPSequenceRange...) -> IMAPSequenceSet { .ranges(ranges) }
private func r(_ a: UInt32, _ b: UInt32) -> IMAPSequenceRange { IMAPSequenceRange(.number(a), .number(b)) }
private func n(_ a: UInt32) -> IMAPSequenceRange { IMAPSequenceRange(a) }
private func date(_ y: Int, _ m: Int, _ d: Int) -> IMAPDate { IMAPDate(year: y, month: m, day: d) }

/// Command lines from the examples of RFC 9051 §6 (and the extension RFCs), with what they mean.
@Suite struct CommandParserTests {
    static let examples: [(String, IMAPCommand)] = [
        ("a002 CAPABILITY", .capability),
        ("a002 noop", .noop),
        ("A023 LOGOUT", .logout),
        ("a002 STARTTLS", .startTLS),
        ("A001 AUTHENTICATE GSSAPI", .authenticate(mechanism: "GSSAPI", initialResponse: nil)),
        ("A01 AUTHENTICATE EXTERNAL =", .authenticate(mechanism: "EXTERNAL", initialResponse: "=")),
        ("A03 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=", .authenticate(mechanism: "PLAIN", initialResponse: "dGVzdAB0ZXN0AHRlc3Q=")),
        ("a001 LOGIN SMITH SESAME", .login(username: "SMITH", password: "SESAME")),
        ("A001 LOGIN fred \"blurdy \\\"bl\\\\oop\"", .login(username: "fred", password: "blurdy \"bl\\oop")),
        ("t2 ENABLE CONDSTORE qresync", .enable(["CONDSTORE", "QRESYNC"])),
        ("A142 SELECT INBOX", .select(.inbox, .init())),
        ("A142 SELECT inbox", .select(.inbox, .init())),
        ("A932 EXAMINE blurdybloop", .examine(mb("blurdybloop"), .init())),
        ("A142 SELECT INBOX (CONDSTORE)", .select(.inbox, .init(condstore: true))),
        ("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))",
         .select(.inbox, .init(qresync: .init(uidValidity: 67890007, modSeq: 20050715194045000, knownUIDs: set(n(41), r(43, 211), r(214, 541)))))),
        ("B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))",
         .select(.inbox, .init(qresync: .init(uidValidity: 67890007, modSeq: 90060115194045000, knownUIDs: set(r(1, 29997)),
                                               knownSequenceSet: set(n(5000), n(7500), n(9000), r(9990, 9999)),
                                               knownUIDSet: set(n(15000), n(22500), n(27000), n(29970), n(29973), n(29976), n(29979),
                                                                n(29982), n(29985), n(29988), n(29991), n(29994), n(29997)))))),
        ("A004 CREATE \"Sent Mail\"", .create(mb("Sent Mail"), specialUse: [])),
        ("t1 CREATE MySpecial (USE (\\Drafts \\Sent))", .create(mb("MySpecial"), specialUse: ["\\Drafts", "\\Sent"])),
        ("A683 DELETE blurdybloop", .delete(mb("blurdybloop"))),
        ("A683 RENAME blurdybloop sarasoop", .rename(from: mb("blurdybloop"), to: mb("sarasoop"))),
        ("A002 SUBSCRIBE #news.comp.mail.mime", .subscribe(mb("#news.comp.mail.mime"))),
        ("A002 UNSUBSCRIBE #news.comp.mail.mime", .unsubscribe(mb("#news.comp.mail.mime"))),
        ("A101 LIST \"\" \"\"", .list(.init(reference: "", patterns: [""]))),
        ("A202 LIST ~/Mail/ %", .list(.init(reference: "~/Mail/", patterns: ["%"]))),
        ("A682 LIST \"\" *", .list(.init(reference: "", patterns: ["*"]))),
        ("A002 LIST (SPECIAL-USE) \"\" \"*\"", .list(.init(selectOptions: [.specialUse], reference: "", patterns: ["*"], isExtended: true))),
        ("D03 LIST (RECURSIVEMATCH SUBSCRIBED) \"\" \"*\"",
         .list(.init(selectOptions: [.recursiveMatch, .subscribed], reference: "", patterns: ["*"], isExtended: true))),
        ("A04 LIST (REMOTE) \"\" \"%\" RETURN (CHILDREN)",
         .list(.init(selectOptions: [.remote], reference: "", patterns: ["%"], returnOptions: [.children], isExtended: true))),
        ("A01 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))",
         .list(.init(reference: "", patterns: ["%"], returnOptions: [.status([.messages, .unseen])], isExtended: true))),
        ("G01 LIST \"\" (\"INBOX\" \"Drafts\" Sent/%) RETURN (SUBSCRIBED SPECIAL-USE)",
         .list(.init(reference: "", patterns: ["INBOX", "Drafts", "Sent/%"], returnOptions: [.subscribed, .specialUse], isExtended: true))),
        ("A002 LSUB \"#news.\" \"comp.mail.*\"", .lsub(reference: "#news.", pattern: "comp.mail.*")),
        ("A001 NAMESPACE", .namespace),
        ("A042 STATUS blurdybloop (UIDNEXT MESSAGES)", .status(mb("blurdybloop"), [.uidNext, .messages])),
        ("A042 STATUS INBOX (SIZE DELETED RECENT HIGHESTMODSEQ UIDVALIDITY UNSEEN)",
         .status(.inbox, [.size, .deleted, .recent, .highestModSeq, .uidValidity, .unseen])),
        ("A002 IDLE", .idle),
        ("A341 CLOSE", .close),
        ("A342 UNSELECT", .unselect),
        ("A202 EXPUNGE", .expunge),
        ("A003 UID EXPUNGE 3000:3002", .uidExpunge(set(r(3000, 3002)))),
        ("A003 COPY 2:4 MEETING", .copy(set(r(2, 4)), mb("MEETING"), uid: false)),
        ("A005 UID COPY 305:310 meeting", .copy(set(r(305, 310)), mb("meeting"), uid: true)),
        ("E283 COPY $ \"Other Messages\"", .copy(.lastCommand, mb("Other Messages"), uid: false)),
        ("a UID MOVE 42:69 foo", .move(set(r(42, 69)), mb("foo"), uid: true)),
        ("a MOVE 1,3:*,7 Trash", .move(.ranges([n(1), IMAPSequenceRange(.number(3), .last), n(7)]), mb("Trash"), uid: false)),
        ("A003 STORE 2:4 +FLAGS (\\Deleted)", .store(set(r(2, 4)), .init(operation: .add, silent: false, flags: ["\\Deleted"]), unchangedSince: nil, uid: false)),
        ("F284 STORE $ +FLAGS.Silent (\\Deleted)", .store(.lastCommand, .init(operation: .add, silent: true, flags: ["\\Deleted"]), unchangedSince: nil, uid: false)),
        ("a UID STORE 1 -flags \\seen $Junk", .store(set(n(1)), .init(operation: .remove, silent: false, flags: ["\\Seen", "$Junk"]), unchangedSince: nil, uid: true)),
        ("d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)",
         .store(set(n(7), n(5), n(9)), .init(operation: .add, silent: true, flags: ["\\Deleted"]), unchangedSince: 320162338, uid: false)),
        ("a STORE 1 FLAGS ()", .store(set(n(1)), .init(operation: .replace, silent: false, flags: []), unchangedSince: nil, uid: false)),
        ("t ID NIL", .id(nil)),
        ("a023 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" NIL)",
         .id([.init(key: "name", value: "sodr"), .init(key: "version", value: "19.34"), .init(key: "vendor", value: nil)])),
        ("G0001 GETQUOTA \"!partition/sda4\"", .getQuota(root: "!partition/sda4")),
        ("G0002 GETQUOTAROOT INBOX", .getQuotaRoot(.inbox)),
        ("a COMPRESS deflate", .compress("DEFLATE")),
        ("a UNAUTHENTICATE", .unauthenticate),
        ("a CHECK", .noop),
    ]

    @Test(arguments: examples)
    func parses(_ line: String, _ expected: IMAPCommand) throws {
        #expect(try parse(line) == expected)
    }

    static let fetches: [(String, IMAPCommand)] = [
        ("A003 FETCH 4 ALL", .fetch(set(n(4)), IMAPFetchAttribute.all, .init(), uid: false)),
        ("a FETCH 1:* FAST", .fetch(.ranges([IMAPSequenceRange(.number(1), .last)]), IMAPFetchAttribute.fast, .init(), uid: false)),
        ("a FETCH 1 full", .fetch(set(n(1)), IMAPFetchAttribute.full, .init(), uid: false)),
        ("A999 UID FETCH 4827313:4828442 FLAGS", .fetch(set(r(4827313, 4828442)), [.flags], .init(), uid: true)),
        ("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])",
         .fetch(set(r(2, 4)), [.flags, .bodySection(.init(text: .headerFields(["DATE", "FROM"])), partial: nil, peek: false)], .init(), uid: false)),
        ("A283 FETCH $ (UID INTERNALDATE FLAGS BODY.PEEK[HEADER])",
         .fetch(.lastCommand, [.uid, .internalDate, .flags, .bodySection(.init(text: .header), partial: nil, peek: true)], .init(), uid: false)),
        ("a FETCH 1 (BODY[] BODY[1.2.MIME] BODY[3.HEADER.FIELDS.NOT (X-A \"Y\")] BODY.PEEK[4.TEXT]<0.2048> BODY[2])",
         .fetch(set(n(1)), [
             .bodySection(.whole, partial: nil, peek: false),
             .bodySection(.init(part: [1, 2], text: .mime), partial: nil, peek: false),
             .bodySection(.init(part: [3], text: .headerFieldsNot(["X-A", "Y"])), partial: nil, peek: false),
             .bodySection(.init(part: [4], text: .text), partial: IMAPPartial(offset: 0, length: 2048), peek: true),
             .bodySection(.init(part: [2]), partial: nil, peek: false),
         ], .init(), uid: false)),
        ("a FETCH 1 (BODY BODYSTRUCTURE ENVELOPE RFC822.SIZE RFC822 RFC822.HEADER RFC822.TEXT MODSEQ)",
         .fetch(set(n(1)), [.body, .bodyStructure, .envelope, .rfc822Size, .rfc822, .rfc822Header, .rfc822Text, .modSeq], .init(), uid: false)),
        ("a FETCH 1 (BINARY[1.2] BINARY.PEEK[]<5.10> BINARY.SIZE[3])",
         .fetch(set(n(1)), [.binary(part: [1, 2], partial: nil, peek: false), .binary(part: [], partial: .init(offset: 5, length: 10), peek: true),
                            .binarySize(part: [3])], .init(), uid: false)),
        ("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)",
         .fetch(.ranges([IMAPSequenceRange(.number(1), .last)]), [.flags], .init(changedSince: 12345, vanished: true), uid: true)),
    ]

    @Test(arguments: fetches)
    func parsesFetch(_ line: String, _ expected: IMAPCommand) throws {
        #expect(try parse(line) == expected)
    }

    static let searches: [(String, IMAPSearchCommand)] = [
        ("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"",
         .init(keys: [.flagged, .since(date(1994, 2, 1)), .not(.from(Array("Smith".utf8)))])),
        ("A284 SEARCH TEXT \"string not in mailbox\"", .init(keys: [.text(Array("string not in mailbox".utf8))])),
        ("A282 SEARCH RETURN (MIN COUNT) FLAGGED", .init(returnOptions: [.min, .count], keys: [.flagged])),
        ("A283 SEARCH RETURN () FLAGGED", .init(returnOptions: [], keys: [.flagged])),
        ("A285 UID SEARCH RETURN (MIN MAX) 1:5000", .init(returnOptions: [.min, .max], keys: [.sequenceSet(set(r(1, 5000)))])),
        ("A301 UID SEARCH UID $ SMALLER 4096", .init(keys: [.uid(.lastCommand), .smaller(4096)])),
        ("B283 SEARCH RETURN (SAVE) CHARSET KOI8-R (OR $ 1,3000:3021) TEXT {4}",
         .init(charset: "KOI8-R", returnOptions: [.save], keys: [.and([.or(.sequenceSet(.lastCommand), .sequenceSet(set(n(1), r(3000, 3021))))]), .text(Array("abcd".utf8))])),
        ("a SEARCH OR (ANSWERED DRAFT) NOT (UNSEEN) HEADER X-Spam yes LARGER 10 KEYWORD $Junk UNKEYWORD foo",
         .init(keys: [.or(.and([.answered, .draft]), .not(.and([.unseen]))), .header(name: "X-Spam", value: Array("yes".utf8)),
                      .larger(10), .keyword("$Junk"), .unkeyword("foo")])),
        ("a SEARCH BEFORE \"3-Mar-2024\" ON 29-Feb-2024 SENTBEFORE 1-Jan-2000 SENTON 2-Jan-2000 SENTSINCE 3-Jan-2000 BCC b CC c TO t BODY x SUBJECT s",
         .init(keys: [.before(date(2024, 3, 3)), .on(date(2024, 2, 29)), .sentBefore(date(2000, 1, 1)), .sentOn(date(2000, 1, 2)),
                      .sentSince(date(2000, 1, 3)), .bcc([0x62]), .cc([0x63]), .to([0x74]), .body([0x78]), .subject([0x73])])),
        ("a SEARCH ALL ANSWERED DELETED DRAFT FLAGGED SEEN UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN NEW OLD RECENT",
         .init(keys: [.all, .answered, .deleted, .draft, .flagged, .seen, .unanswered, .undeleted, .undraft, .unflagged, .unseen, .new, .old, .recent])),
        ("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338", .init(keys: [.modSeq(620162338, entry: .init(flag: "\\Draft", type: "all"))])),
        ("a SEARCH MODSEQ 0", .init(keys: [.modSeq(0, entry: nil)])),
        ("a SEARCH RETURN (ALL SAVE) CHARSET \"utf-8\" *", .init(charset: "UTF-8", returnOptions: [.all, .save], keys: [.sequenceSet(set(IMAPSequenceRange(.last, .last)))])),
    ]

    @Test(arguments: searches)
    func parsesSearch(_ line: String, _ expected: IMAPSearchCommand) throws {
        var bytes = IMAPCommandBytes(line.hasSuffix("{4}") ? String(line.dropLast(3)) : line)
        if line.hasSuffix("{4}") { bytes.literals = [.init(offset: bytes.text.count, data: buffer("abcd"))] }
        let uid = line.contains("UID SEARCH")
        #expect(try IMAPCommandParser().parse(bytes).command == .search(expected, uid: uid))
    }

    @Test func appendWithDateAndMultiAppend() throws {
        // RFC 3502 MULTIAPPEND with a date-time, then a literal8 (RFC 3516)
        let part1 = Array("A003 APPEND saved-messages (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" ".utf8)
        let part2 = Array(" (\\Draft) ".utf8)
        let bytes = IMAPCommandBytes(text: part1 + part2, literals: [
            .init(offset: part1.count, data: buffer("m1")),
            .init(offset: part1.count + part2.count, data: buffer("m\0"), binary: true),
        ])
        let when = IMAPDateTime(date: date(1994, 2, 7), hour: 21, minute: 52, second: 25, zoneMinutes: -480)
        #expect(try IMAPCommandParser().parse(bytes).command == .append(mb("saved-messages"), [
            IMAPAppendMessage(flags: ["\\Seen"], internalDate: when, data: buffer("m1")),
            IMAPAppendMessage(flags: ["\\Draft"], data: buffer("m\0"), binary: true),
        ]))
        #expect(when.secondsSince1970 == 760_686_745)
        #expect(IMAPDateTime(secondsSince1970: 760_686_745, zoneMinutes: -480) == when)
    }

    @Test func loginWithLiterals() throws {
        // RFC 9051 §6.2.3: A001 LOGIN {11} / FRED FOOBAR {7} / fat man
        let events = commandEvents("A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man\r\n")
        #expect(events == [.continuationRequest, .continuationRequest,
                           .command(.init(tag: "A001", command: .login(username: "FRED FOOBAR", password: "fat man")))])
    }

    @Test func mailboxNamesFollowTheSessionEncoding() throws {
        #expect(try parse("a SELECT &ZeVnLIqe-") == .select(mb("日本語"), .init()))
        #expect(try parse("a SELECT \"~peter/mail/&U,BTFw-/&ZeVnLIqe-\"") == .select(mb("~peter/mail/台北/日本語"), .init()))
        #expect(try parse("a SELECT \"日本語\"", encoding: .utf8Accepted) == .select(mb("日本語"), .init()))
        #expect(try parse("a SELECT \"&ZeVnLIqe-\"", encoding: .utf8Accepted) == .select(mb("&ZeVnLIqe-"), .init()))
        #expect(parseError("a SELECT \"日本語\"")?.kind == .invalidMailboxName)
        #expect(parseError("a SELECT 日本語")?.kind == .syntax, "8-bit is never an atom")
        #expect(parseError("a SELECT &Jjo!")?.kind == .invalidMailboxName)
    }
}
