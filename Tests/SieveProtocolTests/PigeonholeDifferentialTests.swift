import Foundation
import HatoTesting
import MailMessage
import SieveProtocol
import Testing

/// Scripts × messages where Hato's actions must equal Pigeonhole's (docs/sieve.md "Tests").
@Suite(.enabled(if: PigeonholeOracle.available || PigeonholeOracle.required,
                "sieve-test is not installed: apt-get install dovecot-core dovecot-sieve"))
struct PigeonholeDifferentialTests {
    typealias M = SieveTestMessages

    static let messages: [(name: String, bytes: [UInt8])] = [
        ("english", M.english), ("iso-2022-jp subject", M.japaneseSubject), ("shift_jis body", M.shiftJISBody), ("trace", M.trace), ("dated", M.dated),
    ]

    static let scripts: [String] = [
        "keep;",
        "discard;",
        #"require "fileinto"; if header :contains "subject" "請求書" { fileinto "Invoices"; }"#,
        #"require ["body", "fileinto"]; if body :text :contains "請求書を添付" { fileinto "Invoices"; }"#,
        #"require ["body", "fileinto"]; if body :raw :contains "report" { fileinto "Raw"; }"#,
        #"require ["fileinto", "variables"]; if header :matches "subject" "* [*]" { fileinto "lists.${2}"; }"#,
        #"require "fileinto"; if address :domain :is "from" "EXAMPLE.com" { fileinto "Com"; } elsif address :localpart :contains "from" "keiri" { fileinto "Keiri"; } else { discard; }"#,
        #"require ["subaddress", "fileinto"]; if address :detail "from" "lists" { fileinto "Lists"; } if address :user "from" "alice" { fileinto "Alice"; }"#,
        #"require ["envelope", "fileinto"]; if envelope :localpart :is "from" "alice+lists" { fileinto "Env"; } if envelope :domain "to" "example.org" { fileinto "Mine"; }"#,
        #"require ["relational", "comparator-i;ascii-numeric", "fileinto"]; if address :count "ge" :comparator "i;ascii-numeric" ["to", "cc"] "2" { fileinto "Many"; }"#,
        #"require ["relational", "comparator-i;ascii-numeric", "fileinto"]; if header :value "lt" :comparator "i;ascii-numeric" "x-priority" "3" { fileinto "Urgent"; }"#,
        #"require ["imap4flags", "fileinto"]; setflag "\\Seen"; addflag ["$Work", "\\Flagged"]; removeflag "\\flagged"; fileinto "Work";"#,
        #"require ["imap4flags", "fileinto"]; if header :contains "subject" "report" { fileinto :flags "\\Answered $Report" "Reports"; addflag "$Later"; }"#,
        #"require "reject"; if not header :contains "subject" "report" { reject "不要です"; }"#,
        #"require "copy"; redirect :copy "archive@example.net"; if size :over 300 { redirect "big@example.net"; }"#,
        #"require "vacation"; vacation :days 3 :subject "不在のお知らせ" "休暇中です。";"#,
        #"require ["vacation-seconds"]; vacation :seconds 7200 "back soon";"#,
        #"require "fileinto"; if allof (exists "list-id", not size :under 1) { fileinto "List"; } if anyof (false, exists "x-none") { discard; }"#,
        #"require ["encoded-character", "fileinto"]; if header :contains "subject" "${hex:52 65}port" { fileinto "${unicode:8acb}"; }"#,
        #"require ["variables", "fileinto"]; set :upperfirst :lower "box" "ARCHIVE"; if string :is "${box}" "Archive" { fileinto "${box}"; stop; } discard;"#,
        #"require ["fileinto", "reject"]; fileinto "A"; reject "conflict";"#,
        #"require ["fileinto", "mailbox"]; fileinto :create "New/Box";"#,
        #"if header :matches "from" "*example.??" { discard; }"#,
        #"require ["index", "fileinto"]; if header :index 1 :contains "received" "relay2" { fileinto "Top"; } if header :index 1 :last :contains "received" "relay1.example.com" { fileinto "Bottom"; }"#,
        #"require ["index", "fileinto"]; if address :index 2 :domain :is "cc" "example.net" { fileinto "Second"; } if address :index 1 :last :localpart "cc" "first" { fileinto "NotLast"; }"#,
        #"require ["index", "fileinto"]; if header :index 3 :matches "received" "*" { discard; } if header :index 2 :matches ["cc", "to"] "*@example.???" { fileinto "Two"; }"#,
        // RFC 5260 date and currentdate
        #"require ["date", "relational", "fileinto"]; if date :value "ge" :originalzone "date" "hour" "09" { fileinto "Late"; } if date :is :zone "+0900" "received" "weekday" "1" { fileinto "MondayInTokyo"; }"#,
        #"require ["date", "variables", "fileinto"]; if date :matches :zone "-0130" "date" "iso8601" "*" { fileinto "${0}"; } if date :matches :originalzone "received" "std11" "*" { fileinto "${0}"; }"#,
        #"require ["date", "variables", "fileinto"]; if date :matches "date" "julian" "*" { fileinto "j${0}"; } if date :matches "received" "time" "*" { fileinto "t${0}"; } if date :matches "date" "zone" "*" { fileinto "z${0}"; }"#,
        #"require ["date", "relational", "index", "comparator-i;ascii-numeric", "fileinto"]; if date :count "eq" :comparator "i;ascii-numeric" "date" "year" "0" { fileinto "NoDate"; }"#,
        // Not compared: `date :index 2` (RFC 5260 §6 with RFC 5260's index): Pigeonhole's sieve-test
        // reads only the first Date field whatever the index; Hato follows the RFC (SieveDateTests).
        #"require ["date", "relational", "fileinto"]; if currentdate :value "ge" "year" "2025" { fileinto "Now"; } if currentdate :value "lt" "date" "2000-01-01" { discard; } if currentdate :zone "+0900" :matches "iso8601" "*+09:00" { fileinto "Tokyo"; }"#,
        #"require ["date", "fileinto"]; if allof (header :contains "subject" "会議", date :originalzone :is "date" "date" "2026-12-05") { fileinto "会議/12月5日"; }"#,
        // RFC 7352 duplicate (sieve-test tracks nothing: every id is new, and what would be tracked is compared)
        #"require ["duplicate", "fileinto"]; if duplicate { fileinto "Dup"; } if duplicate :header "x-none" { fileinto "NoField"; } if not duplicate :uniqueid "x" :seconds 60 :last { fileinto "New"; }"#,
        #"require ["duplicate", "variables", "fileinto"]; if header :matches "subject" "*" { set "s" "${1}"; } if not duplicate :handle "subjects" :uniqueid "${s}" { fileinto "First"; }"#,
        // RFC 5293 editheader
        #"require ["editheader", "fileinto"]; deleteheader :matches "x-mailer" "Tanaka*"; if not exists "x-mailer" { fileinto "NoMailer"; } addheader "X-Note" "請求書"; if header :is "x-note" "請求書" { fileinto "請求書"; }"#,
        #"require ["editheader", "fileinto"]; deleteheader "received"; if exists "received" { fileinto "Kept"; } deleteheader "subject"; if not exists "subject" { fileinto "NoSubject"; }"#,
        #"require ["editheader", "fileinto", "index"]; addheader :last "X-A" "1"; addheader "X-A" "2"; deleteheader :index 1 :last "x-a"; if header :is "x-a" "2" { fileinto "Two"; } if header :index 1 "x-a" "2" { fileinto "Top"; }"#,
        #"require ["editheader", "fileinto"]; deleteheader :contains "subject" ["report", "会議"]; if exists "subject" { fileinto "StillSubject"; }"#,
        // RFC 5183 environment: only what both leave out compares (sieve-test runs as "MS"/"post", Hato as "MDA"/"during").
        #"require ["environment", "relational", "comparator-i;ascii-numeric", "fileinto"]; if environment :matches "vnd.hato.none" "*" { fileinto "Unknown"; } if environment :count "eq" :comparator "i;ascii-numeric" "remote-ip" "0" { fileinto "CountedNothing"; } if not environment :matches "remote-ip" "*" { fileinto "NoClient"; }"#,
    ]

    @Test(arguments: 0..<scripts.count)
    func hatoAgreesWithPigeonhole(_ index: Int) throws {
        try Self.expectAgreement(Self.scripts[index], label: "script \(index)")
    }

    /// `script`'s actions on every message of the table, Hato's against sieve-test's.
    static func expectAgreement(_ script: String, label: String) throws {
        try #require(PigeonholeOracle.available, "CI is set but sieve-test is not installed")
        let directory = try TemporaryDirectory(prefix: "hato-pigeonhole")
        for (name, bytes) in messages {
            let expected = try PigeonholeOracle.actions(script: script, message: bytes, from: "alice+lists@example.com",
                                                        to: "bob@example.org", in: directory)
            // Every script of the table compiles; a runtime error is normalized to the implicit keep.
            let program = try SieveProgram.compile(script)
            let ours = PigeonholeOracle.normalize(Result { try SieveInterpreter.run(program, on: M.input(bytes)) })
            #expect(ours == expected, "\(label) on \(name): \(script)")
        }
    }
}
