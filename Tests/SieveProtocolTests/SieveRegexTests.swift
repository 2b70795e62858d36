import SieveProtocol
import Testing

/// draft-ietf-sieve-regex-01 :regex on ICU: captures as match variables, comparators, compile-time
/// pattern errors, and the bounds that make a runaway pattern false instead of hanging delivery.
@Suite struct SieveRegexTests {
    typealias M = SieveTestMessages

    static func folders(_ script: String, _ message: [UInt8] = M.english, limits: SieveLimits = .default) throws -> (folders: [String], notes: [String]) {
        let result = try SieveInterpreter.run(try SieveProgram.compile(script, limits: limits), on: M.input(message), limits: limits)
        return (M.folders(result.actions), result.notes)
    }

    @Test func capturesAndComparators() throws {
        let script = #"""
            require ["regex", "variables", "fileinto"];
            if header :regex "subject" "^quarterly (re(port)) \\[([a-z-]+)\\]$" { fileinto "${3}/${1}/${2}/${4}"; }
            if header :regex :comparator "i;octet" "subject" "^quarterly" { fileinto "CaseSensitive"; }
            if header :regex "subject" "(x)?report" { fileinto "opt-${1}-"; }
            """#
        #expect(try Self.folders(script).folders == ["acme-users/report/port/", "opt--"])
    }

    @Test func japaneseSubjectsMatchDecoded() throws {
        let script = #"require ["regex", "variables", "fileinto"]; if header :regex "subject" "(会議|請求書)" { fileinto "jp-${1}"; }"#
        #expect(try Self.folders(script, M.japaneseSubject).folders.count == 1)
    }

    @Test func compileErrors() {
        for (script, message) in [
            (#"if header :regex "subject" "a" { stop; }"#, "\"regex\" is used but not required"),
            (#"require "regex"; if header :regex "subject" "(unclosed" { stop; }"#, "header: :regex \"(unclosed\": not a valid regular expression"),
            (#"require ["regex", "comparator-i;ascii-numeric"]; if header :regex :comparator "i;ascii-numeric" "subject" "1" { stop; }"#,
             "header: :regex does not take the i;ascii-numeric comparator"),
            (#"require ["regex", "relational"]; if header :regex :count "eq" "subject" "1" { stop; }"#, "header takes one match type"),
        ] {
            do {
                _ = try SieveProgram.compile(script)
                Issue.record("compiled: \(script)")
            } catch {
                #expect(error.message.hasPrefix(message), "\(script): \(error.message)")
            }
        }
        var limits = SieveLimits()
        limits.maxRegexSize = 16
        #expect(throws: SieveCompileError.self) { _ = try SieveProgram.compile(#"require "regex"; if header :regex "s" "aaaaaaaaaaaaaaaaaaaaaaaa" { stop; }"#, limits: limits) }
    }

    /// A pattern from a variable that is not valid is false at run time and noted, not an error.
    @Test func invalidPatternFromVariableIsFalse() throws {
        let script = #"require ["regex", "variables", "fileinto"]; set "p" "(("; if header :regex "subject" "${p}" { fileinto "Hit"; } fileinto "After";"#
        let run = try Self.folders(script)
        #expect(run.folders == ["After"])
        #expect(run.notes.first?.contains("not a valid regular expression") == true)
    }

    /// Catastrophic backtracking is stopped by ICU's time limit: the test is false, the run goes on.
    @Test func runawayPatternHitsTheTimeLimit() throws {
        var limits = SieveLimits()
        limits.regexTimeLimit = 5
        let script = #"""
            require ["regex", "variables", "fileinto"];
            set "text" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab";
            if string :regex "${text}" "^(a+)+$" { fileinto "Matched"; }
            fileinto "Survived";
            """#
        let clock = ContinuousClock()
        var run: (folders: [String], notes: [String]) = ([], [])
        let elapsed = try clock.measure { run = try Self.folders(script, limits: limits) }
        #expect(run.folders == ["Survived"])
        #expect(run.notes.first?.contains("limit hit") == true, "\(run.notes)")
        #expect(elapsed < .seconds(20))
    }
}
