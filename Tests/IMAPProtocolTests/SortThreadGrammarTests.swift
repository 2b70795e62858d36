import IMAPProtocol
import Testing

/// SORT, THREAD and ESORT commands (RFC 5256 §4, RFC 5957 §4, RFC 5267 §3.2) as the RFCs write
/// them, their responses, and what the grammar refuses.
@Suite struct SortThreadGrammarTests {
    static func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }

    static let sorts: [(String, IMAPCommand)] = [
        // RFC 5256 §4 examples
        ("A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994",
         .sort(.init(criteria: [.init(.subject)], search: .init(charset: "UTF-8", keys: [.since(IMAPDate(year: 1994, month: 2, day: 1))])), uid: false)),
        ("A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL",
         .sort(.init(criteria: [.init(.subject), .init(.date, reverse: true)], search: .init(charset: "UTF-8", keys: [.all])), uid: false)),
        ("A284 SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\"",
         .sort(.init(criteria: [.init(.subject)], search: .init(charset: "US-ASCII", keys: [.text(utf8("not in mailbox"))])), uid: false)),
        ("a UID SORT (ARRIVAL CC FROM SIZE TO REVERSE ARRIVAL) \"utf-8\" UNSEEN (OR 1:3 DELETED)",
         .sort(.init(criteria: [.init(.arrival), .init(.cc), .init(.from), .init(.size), .init(.to), .init(.arrival, reverse: true)],
                     search: .init(charset: "UTF-8", keys: [.unseen, .and([.or(.sequenceSet(.ranges([IMAPSequenceRange(.number(1), .number(3))])), .deleted)])])),
               uid: true)),
        // RFC 5957 §4
        ("A1 SORT (DISPLAYFROM) UTF-8 ALL",
         .sort(.init(criteria: [.init(.displayFrom)], search: .init(charset: "UTF-8", keys: [.all])), uid: false)),
        ("A2 UID SORT (REVERSE DISPLAYTO) UTF-8 ALL",
         .sort(.init(criteria: [.init(.displayTo, reverse: true)], search: .init(charset: "UTF-8", keys: [.all])), uid: true)),
        // RFC 5267 §3.2 (ESORT)
        ("A282 SORT RETURN (MIN) (DATE) UTF-8 SINCE 1-Feb-1994",
         .sort(.init(criteria: [.init(.date)], search: .init(charset: "UTF-8", returnOptions: [.min],
                                                             keys: [.since(IMAPDate(year: 1994, month: 2, day: 1))])), uid: false)),
        ("A301 UID SORT RETURN (COUNT ALL MAX) (REVERSE SUBJECT) UTF-8 ALL",
         .sort(.init(criteria: [.init(.subject, reverse: true)], search: .init(charset: "UTF-8", returnOptions: [.count, .all, .max], keys: [.all])),
               uid: true)),
        ("a SORT RETURN () (SIZE) UTF-8 ALL",
         .sort(.init(criteria: [.init(.size)], search: .init(charset: "UTF-8", returnOptions: [], keys: [.all])), uid: false)),
        // RFC 5256 §4 THREAD examples
        ("A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000",
         .thread(.init(algorithm: .orderedSubject, search: .init(charset: "UTF-8", keys: [.since(IMAPDate(year: 2000, month: 3, day: 5))])), uid: false)),
        ("A284 THREAD REFERENCES US-ASCII TEXT \"gewp\"",
         .thread(.init(algorithm: .references, search: .init(charset: "US-ASCII", keys: [.text(utf8("gewp"))])), uid: false)),
        ("a uid thread references utf-8 all",
         .thread(.init(algorithm: .references, search: .init(charset: "UTF-8", keys: [.all])), uid: true)),
    ]

    @Test(arguments: sorts)
    func parses(_ line: String, _ expected: IMAPCommand) throws {
        #expect(try IMAPCommandParser().parse(IMAPCommandBytes(line)).command == expected)
    }

    @Test(arguments: [
        "a SORT () UTF-8 ALL",                   // sort-criteria needs one criterion
        "a SORT (SUBJECT) ALL",                  // the charset is not optional (RFC 5256 §4)
        "a SORT (SUBJECT) UTF-8",                // 1*(SP search-key)
        "a SORT (NAME) UTF-8 ALL",               // unknown sort key
        "a SORT (REVERSE) UTF-8 ALL",            // REVERSE needs a key
        "a SORT (REVERSE REVERSE DATE) UTF-8 ALL",
        "a SORT RETURN (SAVE) (DATE) UTF-8 ALL", // not an ESORT return option
        "a SORT SUBJECT UTF-8 ALL",
        "a THREAD JWZ UTF-8 ALL",                // unknown algorithm
        "a THREAD REFERENCES",
        "a THREAD REFERENCES UTF-8 ALL ",
    ])
    func refuses(_ line: String) {
        #expect(throws: IMAPCommandError.self) { try IMAPCommandParser().parse(IMAPCommandBytes(line)) }
    }

    @Test func encodesSortAndThreadResponses() {
        // RFC 5256 §4 examples.
        #expect(encoded(.data(.sort([2, 84, 882], modSeq: nil))) == "* SORT 2 84 882\r\n")
        #expect(encoded(.data(.sort([], modSeq: nil))) == "* SORT\r\n")
        // RFC 7162 §3.1.5 with SORT.
        #expect(encoded(.data(.sort([5, 3], modSeq: 917162500))) == "* SORT 5 3 (MODSEQ 917162500)\r\n")
        let chain = IMAPThreadNode([3, 6], [IMAPThreadNode([4, 23]), IMAPThreadNode([44, 7, 96])])
        #expect(encoded(.data(.thread([IMAPThreadNode([2]), chain]))) == "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n")
        // A dummy parent of two messages with the same base subject.
        #expect(encoded(.data(.thread([IMAPThreadNode([], [IMAPThreadNode([3]), IMAPThreadNode([5])])]))) == "* THREAD ((3)(5))\r\n")
        #expect(encoded(.data(.thread([]))) == "* THREAD\r\n")
        // A lone child is never nested alone (thread-nested is 2*thread-list).
        #expect(encoded(.data(.thread([IMAPThreadNode([1], [IMAPThreadNode([2], [IMAPThreadNode([3]), IMAPThreadNode([4])])])])))
                == "* THREAD (1 2 (3)(4))\r\n")
        // Branching 2,000 levels deep is written without recursion.
        var deep = IMAPThreadNode([2_000])
        for n in stride(from: 1_999, through: 1, by: -1) { deep = IMAPThreadNode([UInt32(n)], [deep, IMAPThreadNode([0])]) }
        let line = encoded(.data(.thread([deep])))
        #expect(line.hasPrefix("* THREAD (1 (2 (3 (4 ") && line.contains("(1998 (1999 (2000)(0))(0))(0))(0))") && line.hasSuffix("(0))(0))\r\n"))
        #expect(line.filter { $0 == "(" }.count == 4_000 - 1 && line.filter { $0 == ")" }.count == 4_000 - 1)
    }
}

/// FETCH PREVIEW (RFC 8970 §7) and its response.
@Suite struct PreviewGrammarTests {
    @Test func previewAttributeWithAndWithoutLazy() throws {
        let one = IMAPSequenceSet([IMAPSequenceRange(1)])
        #expect(try IMAPCommandParser().parse(IMAPCommandBytes("a FETCH 1 (PREVIEW)")).command
                == .fetch(one, [.preview(lazy: false)], .init(), uid: false))
        #expect(try IMAPCommandParser().parse(IMAPCommandBytes("a UID FETCH 1 (UID PREVIEW (LAZY) FLAGS)")).command
                == .fetch(one, [.uid, .preview(lazy: true), .flags], .init(), uid: true))
        #expect(try IMAPCommandParser().parse(IMAPCommandBytes("a FETCH 1 PREVIEW (LAZY)")).command
                == .fetch(one, [.preview(lazy: true)], .init(), uid: false))
        // A parenthesised list after a lone PREVIEW that is not preview-mods is FETCH's modifiers.
        #expect(try IMAPCommandParser().parse(IMAPCommandBytes("a FETCH 1 PREVIEW (CHANGEDSINCE 5)")).command
                == .fetch(one, [.preview(lazy: false)], .init(changedSince: 5), uid: false))
        #expect(throws: IMAPCommandError.self) { try IMAPCommandParser().parse(IMAPCommandBytes("a FETCH 1 (PREVIEW (FUZZY))")) }
    }

    @Test func previewIsQuotedWhenItCanBeAndALiteralOtherwise() {
        #expect(encoded(.data(.fetch(1, [.preview("Hello")]))) == "* 1 FETCH (PREVIEW \"Hello\")\r\n")
        #expect(encoded(.data(.fetch(1, [.preview("")]))) == "* 1 FETCH (PREVIEW \"\")\r\n")
        #expect(encoded(.data(.fetch(1, [.preview(nil)]))) == "* 1 FETCH (PREVIEW NIL)\r\n")
        #expect(encoded(.data(.fetch(1, [.preview("会議")]))) == "* 1 FETCH (PREVIEW {6}\r\n会議)\r\n")
        #expect(encoded(.data(.fetch(1, [.preview("会議")])), encoding: .utf8Accepted) == "* 1 FETCH (PREVIEW \"会議\")\r\n")
    }
}
