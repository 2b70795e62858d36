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
        ("english", M.english), ("iso-2022-jp subject", M.japaneseSubject), ("shift_jis body", M.shiftJISBody), ("trace", M.trace),
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
    ]

    @Test(arguments: 0..<scripts.count)
    func hatoAgreesWithPigeonhole(_ index: Int) throws {
        try #require(PigeonholeOracle.available, "CI is set but sieve-test is not installed")
        let script = Self.scripts[index]
        let directory = try TemporaryDirectory(prefix: "hato-pigeonhole")
        for (name, bytes) in Self.messages {
            let expected = try PigeonholeOracle.actions(script: script, message: bytes, from: "alice+lists@example.com",
                                                        to: "bob@example.org", in: directory)
            // Every script of the table compiles; a runtime error is normalized to the implicit keep.
            let program = try SieveProgram.compile(script)
            let ours = PigeonholeOracle.normalize(Result { try SieveInterpreter.run(program, on: M.input(bytes)).actions })
            #expect(ours == expected, "script \(index) on \(name): \(script)")
        }
    }
}
