import IMAPProtocol
import Testing

/// CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4, §5): the return options CONTEXT, UPDATE and
/// PARTIAL, CANCELUPDATE, and the ADDTO, REMOVEFROM, PARTIAL and NOUPDATE responses, with the
/// RFC's own examples.
@Suite struct ContextGrammarTests {
    static func range(_ a: UInt32, _ b: UInt32) -> IMAPSequenceSet { .ranges([IMAPSequenceRange(.number(a), .number(b))]) }

    static let commands: [(String, IMAPCommand)] = [
        // §4.2
        ("A01 SEARCH RETURN (CONTEXT COUNT) UNDELETED UNKEYWORD $Junk",
         .search(.init(returnOptions: [.context, .count], keys: [.undeleted, .unkeyword("$Junk")]), uid: false)),
        // §4.3
        ("B01 UID SEARCH RETURN (UPDATE COUNT) DELETED KEYWORD $Junk",
         .search(.init(returnOptions: [.update, .count], keys: [.deleted, .keyword("$Junk")]), uid: true)),
        // §4.3.1
        ("B02 UID SORT RETURN (UPDATE COUNT) (DATE) UTF-8 KEYWORD $Junk",
         .sort(.init(criteria: [.init(.date)], search: .init(charset: "UTF-8", returnOptions: [.update, .count], keys: [.keyword("$Junk")])),
               uid: true)),
        // §4.3.5
        ("B04 CANCELUPDATE \"B01\"", .cancelUpdate(["B01"])),
        ("B05 CANCELUPDATE \"B01\" \"B02\"", .cancelUpdate(["B01", "B02"])),
        // §4.4: "A range 500:400 is the same as 400:500"
        ("A02 UID SEARCH RETURN (PARTIAL 23500:24000) UNDELETED UNKEYWORD $Junk",
         .search(.init(returnOptions: [.partial(23500...24000)], keys: [.undeleted, .unkeyword("$Junk")]), uid: true)),
        ("A03 UID SEARCH RETURN (PARTIAL 500:1) UNDELETED",
         .search(.init(returnOptions: [.partial(1...500)], keys: [.undeleted]), uid: true)),
        ("a SORT RETURN (PARTIAL 1:10 COUNT UPDATE) (REVERSE DATE) UTF-8 ALL",
         .sort(.init(criteria: [.init(.date, reverse: true)], search: .init(charset: "UTF-8", returnOptions: [.partial(1...10), .count, .update],
                                                                            keys: [.all])), uid: false)),
    ]

    @Test(arguments: commands)
    func parses(_ line: String, _ expected: IMAPCommand) throws {
        #expect(try IMAPCommandParser().parse(IMAPCommandBytes(line)).command == expected)
    }

    @Test(arguments: [
        "a SEARCH RETURN (PARTIAL 1:10 ALL) ALL",     // §4.4: one PARTIAL or one ALL
        "a SEARCH RETURN (PARTIAL 1:10 PARTIAL 11:20) ALL",
        "a SORT RETURN (ALL PARTIAL 1:2) (DATE) UTF-8 ALL",
        "a SEARCH RETURN (PARTIAL 0:10) ALL",         // partial-range = nz-number ":" nz-number
        "a SEARCH RETURN (PARTIAL 1:*) ALL",          // "cannot contain *"
        "a SEARCH RETURN (PARTIAL 5) ALL",
        "a SEARCH RETURN (PARTIAL -1:-10) ALL",       // RFC 9394's negative ranges are not RFC 5267's
        "a SEARCH RETURN (PARTIAL) ALL",
        "a SORT RETURN (SAVE UPDATE) (DATE) UTF-8 ALL",
        "a CANCELUPDATE",                             // 1*(SP quoted)
        "a CANCELUPDATE B01",                         // quoted, not an atom
        "a CANCELUPDATE \"B01\" ",
    ])
    func refuses(_ line: String) {
        #expect(throws: IMAPCommandError.self) { try IMAPCommandParser().parse(IMAPCommandBytes(line)) }
    }

    @Test func encodesTheResponses() {
        // §4.3.3
        #expect(encoded(.data(.esearch(.init(tag: "B01", uid: true, updates: [.addTo([.init(0, Self.range(32768, 32769))])]))))
                == "* ESEARCH (TAG \"B01\") UID ADDTO (0 32768:32769)\r\n")
        #expect(encoded(.data(.esearch(.init(tag: "C01", uid: true, updates: [.addTo([.init(1, Self.range(2733, 2733))]),
                                                                              .addTo([.init(1, Self.range(2731, 2732))])]))))
                == "* ESEARCH (TAG \"C01\") UID ADDTO (1 2733) ADDTO (1 2731:2732)\r\n")
        #expect(encoded(.data(.esearch(.init(tag: "C01", uid: true, updates: [.addTo([.init(1, Self.range(2733, 2733)), .init(1, Self.range(2732, 2732))])]))))
                == "* ESEARCH (TAG \"C01\") UID ADDTO (1 2733 1 2732)\r\n")
        // §4.3.4
        #expect(encoded(.data(.esearch(.init(tag: "B01", uid: true, updates: [.removeFrom([.init(0, .ranges([IMAPSequenceRange(32768)]))])]))))
                == "* ESEARCH (TAG \"B01\") UID REMOVEFROM (0 32768)\r\n")
        // §4.4
        var partial = IMAPESearchResponse(tag: "A04", uid: true)
        partial.partial = (24000...24500, nil)
        #expect(encoded(.data(.esearch(partial))) == "* ESEARCH (TAG \"A04\") UID PARTIAL (24000:24500 NIL)\r\n")
        partial.partial = (1...500, Self.range(3, 7))
        partial.count = 5
        #expect(encoded(.data(.esearch(partial))) == "* ESEARCH (TAG \"A04\") UID COUNT 5 PARTIAL (1:500 3:7)\r\n")
        // §4.3.1
        #expect(encoded(.status(tag: nil, .no, code: .noUpdate("B02"), text: "Too many contexts"))
                == "* NO [NOUPDATE \"B02\"] Too many contexts\r\n")
    }
}
