import MailMessage
import SieveProtocol
import Testing

@Suite struct SieveInterpreterTests {
    typealias M = SieveTestMessages

    @Test func implicitKeepWhenNothingMatches() throws {
        #expect(try M.run(#"if header :is "subject" "nope" { discard; }"#) == [.keep(flags: [])])
    }

    @Test func japaneseEncodedWordSubjectMatchesDecoded() throws {
        let script = #"require "fileinto"; if header :contains "subject" "請求書" { fileinto "Invoices"; }"#
        #expect(try M.run(script, M.japaneseSubject) == [.fileinto(mailbox: "Invoices", flags: [], create: false)])
        // A subject without the word does not match.
        #expect(try M.run(script, M.english) == [.keep(flags: [])])
    }

    @Test func shiftJISBodyMatchesUnderText() throws {
        let script = #"require ["body", "fileinto"]; if body :text :contains "請求書を添付" { fileinto "Invoices"; }"#
        #expect(try M.run(script, M.shiftJISBody) == [.fileinto(mailbox: "Invoices", flags: [], create: false)])
        let raw = #"require ["body", "fileinto"]; if body :raw :contains "請求書を添付" { fileinto "Invoices"; }"#
        #expect(try M.run(raw, M.shiftJISBody) == [.keep(flags: [])])
    }

    @Test func unicodeCaseMapFoldsBeyondASCII() throws {
        // Fullwidth "ＲＥＰＯＲＴ" is "report" after compatibility decomposition and case folding (RFC 5051 §2).
        let script = #"require ["fileinto", "comparator-i;unicode-casemap"]; if header :contains :comparator "i;unicode-casemap" "subject" "ＲＥＰＯＲＴ" { fileinto "Work"; }"#
        #expect(try M.run(script) == [.fileinto(mailbox: "Work", flags: [], create: false)])
        #expect(try M.run(script.replacingOccurrences(of: "unicode-casemap\" \"subject", with: "ascii-casemap\" \"subject")
            .replacingOccurrences(of: ", \"comparator-i;unicode-casemap\"", with: "")) == [.keep(flags: [])])
        let folded = #"require ["fileinto", "comparator-i;unicode-casemap"]; if header :is :comparator "i;unicode-casemap" "subject" "QUARTERLY REPORT [ACME-USERS]" { fileinto "Work"; }"#
        #expect(try M.run(folded) == [.fileinto(mailbox: "Work", flags: [], create: false)])
        let octet = #"require "fileinto"; if header :is :comparator "i;octet" "subject" "QUARTERLY REPORT [ACME-USERS]" { fileinto "Work"; }"#
        #expect(try M.run(octet) == [.keep(flags: [])])
    }

    @Test func addressPartsAndSubaddress() throws {
        let script = """
            require ["subaddress", "fileinto", "envelope"];
            if address :detail "from" "lists" { fileinto "Lists"; }
            if address :user :is "from" "alice" { addflag "x"; }
            if envelope :domain "to" "EXAMPLE.ORG" { fileinto "Mine"; }
            """
        #expect(throws: SieveCompileError.self) { try M.run(script) }
        let fixed = script.replacingOccurrences(of: "\"envelope\"]", with: "\"envelope\", \"imap4flags\"]")
        #expect(try M.run(fixed) == [.fileinto(mailbox: "Lists", flags: [], create: false),
                                     .fileinto(mailbox: "Mine", flags: ["x"], create: false)])
    }

    @Test func matchVariablesAreShortestLeftmost() throws {
        // RFC 5229 §3.2's own example.
        let script = """
            require ["fileinto", "variables"];
            if header :matches "Subject" "* [*]" { fileinto "lists.${2}"; }
            """
        #expect(try M.run(script) == [.fileinto(mailbox: "lists.acme-users", flags: [], create: false)])
    }

    @Test func setModifiersAndStringTest() throws {
        let script = """
            require ["variables", "fileinto"];
            set :upperfirst :lower "box" "ARCHIVE";
            set :length "n" "${box}";
            if string :is "${n}" "7" { fileinto "${box}"; }
            """
        #expect(try M.run(script) == [.fileinto(mailbox: "Archive", flags: [], create: false)])
    }

    @Test func flagsFollowTheInternalVariable() throws {
        let script = """
            require ["imap4flags", "fileinto"];
            setflag "\\\\Seen";
            addflag ["$Work", "\\\\Flagged"];
            removeflag "\\\\flagged";
            if hasflag :contains "work" { fileinto :copy "Work"; }
            """
        #expect(throws: SieveCompileError.self) { try M.run(script) }
        let withCopy = script.replacingOccurrences(of: "\"fileinto\"]", with: "\"fileinto\", \"copy\"]")
        #expect(try M.run(withCopy) == [.fileinto(mailbox: "Work", flags: ["\\Seen", "$Work"], create: false),
                                        .keep(flags: ["\\Seen", "$Work"])])
    }

    @Test func relationalCountAndValue() throws {
        let script = """
            require ["relational", "comparator-i;ascii-numeric", "fileinto"];
            if address :count "ge" :comparator "i;ascii-numeric" ["to", "cc"] "2" { fileinto "Many"; }
            if header :value "lt" :comparator "i;ascii-numeric" "x-priority" "3" { fileinto "Urgent"; }
            """
        #expect(try M.run(script) == [.fileinto(mailbox: "Many", flags: [], create: false),
                                      .fileinto(mailbox: "Urgent", flags: [], create: false)])
    }

    @Test func encodedCharacter() throws {
        let script = #"require ["encoded-character", "fileinto"]; if header :contains "subject" "${hex:52 65}port" { fileinto "${unicode:8acb}"; }"#
        #expect(try M.run(script) == [.fileinto(mailbox: "請", flags: [], create: false)])
    }

    @Test func rejectConflictsWithFileinto() throws {
        #expect(try M.run(#"require "reject"; reject "no thanks";"#) == [.reject(reason: "no thanks", extended: false)])
        #expect(throws: SieveRuntimeError.self) { try M.run(#"require ["reject", "fileinto"]; fileinto "A"; reject "no";"#) }
    }

    @Test func vacationPeriodIsBounded() throws {
        let actions = try M.run(#"require ["vacation", "vacation-seconds"]; vacation :seconds 60 :subject "不在" "I am away";"#)
        guard case .vacation(let reply) = actions.first else { Issue.record("no vacation in \(actions)"); return }
        #expect(reply.period == 86_400)
        #expect(reply.subject == "不在")
        #expect(actions.last == .keep(flags: []))
        let days = try M.run(#"require "vacation"; vacation :days 3 "away";"#)
        guard case .vacation(let three) = days.first else { Issue.record("no vacation"); return }
        #expect(three.period == 3 * 86_400)
    }

    @Test func redirectsAreBounded() throws {
        var limits = SieveLimits()
        limits.maxRedirects = 2
        #expect(try M.run(#"redirect "a@example.com"; redirect "a@example.com"; redirect "b@example.com";"#, limits: limits)
            == [.redirect(address: "a@example.com"), .redirect(address: "b@example.com")])
        #expect(throws: SieveRuntimeError.tooManyRedirects(2)) {
            try M.run(#"redirect "a@example.com"; redirect "b@example.com"; redirect "c@example.com";"#, limits: limits)
        }
    }

    @Test func instructionBoundStopsExplodingMatches() throws {
        var limits = SieveLimits()
        limits.maxInstructions = 5_000
        let key = String(repeating: "*a", count: 40) + "b"
        let script = "if header :matches \"subject\" \"\(key)\" { discard; }"
        let long = M.message("Subject: " + String(repeating: "a", count: 200) + "\n\nx\n")
        #expect(throws: SieveRuntimeError.instructionLimit(5_000)) { try M.run(script, long, limits: limits) }
    }

    @Test func mailboxExistsAndCreate() throws {
        let script = """
            require ["mailbox", "fileinto"];
            if mailboxexists "Work" { fileinto :create "Work/Reports"; }
            if mailboxexists "Nope" { discard; }
            """
        #expect(try M.run(script) == [.fileinto(mailbox: "Work/Reports", flags: [], create: true)])
    }

    @Test func sizeExistsAndNullSender() throws {
        let script = """
            require ["envelope", "fileinto"];
            if allof (size :under 10K, exists ["list-id", "from"], envelope :is "from" "") { fileinto "Bounces"; }
            """
        #expect(try M.run(script, from: "") == [.fileinto(mailbox: "Bounces", flags: [], create: false)])
        #expect(try M.run(script) == [.keep(flags: [])])
    }
}
