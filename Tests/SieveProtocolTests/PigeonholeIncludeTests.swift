import Foundation
import HatoTesting
import SieveProtocol
import Testing

/// RFC 6609 include and draft-ietf-sieve-regex :regex against Pigeonhole's sieve-test: personal
/// scripts in `sieve = file:DIR`, global ones in `sieve_global`, as Hato takes them from the store
/// and `[sieve] global_dir` (docs/sieve.md "Tests").
@Suite(.enabled(if: PigeonholeOracle.available || PigeonholeOracle.required,
                "sieve-test is not installed: apt-get install dovecot-core dovecot-sieve"))
struct PigeonholeIncludeTests {
    typealias M = SieveTestMessages

    struct Case: Sendable, CustomStringConvertible {
        var main: String
        var personal: [String: String] = [:]
        var global: [String: String] = [:]
        var description: String { main }
    }

    static let cases: [Case] = [
        Case(main: #"require ["include", "fileinto"]; include "lists"; fileinto "Main";"#,
             personal: ["lists": #"require "fileinto"; if header :contains "subject" ["report", "会議"] { fileinto "Hit"; }"#]),
        Case(main: #"require ["include", "variables", "fileinto"]; global "box"; set "box" "受信"; include "b"; include :once "b"; fileinto "M-${box}";"#,
             personal: ["b": #"require ["include", "variables", "fileinto"]; global "box"; fileinto "B-${box}"; set "box" "changed"; return; fileinto "Never";"#]),
        Case(main: #"require ["include", "fileinto"]; include :global "site"; include :optional "missing"; include :global :optional "gone"; keep;"#,
             global: ["site": #"require ["fileinto"]; if exists "list-id" { fileinto "Lists"; stop; } discard;"#]),
        Case(main: #"require ["include", "variables", "fileinto"]; set "global.who" "x"; include "c"; include "c"; fileinto "n-${global.who}";"#,
             personal: ["c": #"require ["include", "variables"]; set "global.who" "${global.who}y";"#]),
        // Not compared: a non-optional include of a missing script in a branch that never runs.
        // RFC 6609 §3.2 makes it an error when the include runs, so Hato runs the rest; sieve-test
        // refuses the whole script when it compiles it (SieveIncludeTests.missingScripts).
        Case(main: #"require ["include", "fileinto"]; include "d1"; fileinto "Main";"#,
             personal: ["d1": #"require "include"; include "d2";"#, "d2": #"require ["fileinto", "imap4flags"]; addflag "$Deep"; fileinto "Deep";"#]),
    ]

    static let regexScripts: [String] = [
        #"require ["regex", "variables", "fileinto"]; if header :regex "subject" "^(.*) \[([a-z-]+)\]$" { fileinto "${2}-${1}"; }"#,
        #"require ["regex", "fileinto"]; if address :regex :domain "from" "example\.(com|jp)$" { fileinto "Known"; } if header :regex "x-priority" "^[0-9]+$" { fileinto "Numbered"; }"#,
        #"require ["regex", "variables", "fileinto"]; if header :regex :comparator "i;octet" "subject" "REPORT" { fileinto "Upper"; } if header :regex "subject" "REPORT|会議" { fileinto "Any"; }"#,
        #"require ["regex", "variables", "fileinto"]; if header :regex "subject" "(会議)(x)?" { fileinto "m${1}-${2}-"; }"#,
        #"require ["regex", "body", "envelope", "fileinto"]; if body :text :regex "請求書を[^ ]+" { fileinto "Invoice"; } if envelope :regex :all "from" "^alice\+[a-z]+@" { fileinto "Env"; }"#,
        #"require ["regex", "fileinto"]; if not header :regex "subject" "^$" { fileinto "HasSubject"; } if header :regex "x-none" ".*" { discard; }"#,
    ]

    @Test(arguments: 0..<cases.count)
    func includeAgrees(_ index: Int) async throws {
        try #require(PigeonholeOracle.available, "CI is set but sieve-test is not installed")
        let item = Self.cases[index]
        let directory = try TemporaryDirectory(prefix: "hato-pigeonhole-include")
        var scripts: [SieveScriptReference: String] = [:]
        for (name, source) in item.personal { scripts[SieveScriptReference(.personal, name)] = source }
        for (name, source) in item.global { scripts[SieveScriptReference(.global, name)] = source }
        let resolver = SieveIncludeResolver(limits: .default) { [scripts] in scripts[$0] }
        for (name, bytes) in PigeonholeDifferentialTests.messages {
            let expected = try PigeonholeOracle.actions(script: item.main, message: bytes, from: "alice+lists@example.com", to: "bob@example.org",
                                                        in: directory, personal: item.personal, global: item.global)
            let program = try SieveProgram.compile(item.main)
            let set = try await resolver.resolve(program, mode: .deliver)
            let ours = PigeonholeOracle.normalize(Result { try SieveInterpreter.run(set, on: M.input(bytes)) })
            #expect(ours == expected, "case \(index) on \(name): \(item.main)")
        }
    }

    @Test(arguments: 0..<regexScripts.count)
    func regexAgrees(_ index: Int) throws {
        try PigeonholeDifferentialTests.expectAgreement(Self.regexScripts[index], label: "regex script \(index)")
    }
}
