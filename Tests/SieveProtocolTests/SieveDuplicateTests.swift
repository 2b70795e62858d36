import SieveProtocol
import Testing

/// RFC 7352 duplicate: ids from Message-ID, another field or :uniqueid, per :handle; new ids are
/// recorded, tracked ones only refreshed with :last; the period is bounded.
@Suite struct SieveDuplicateTests {
    typealias M = SieveTestMessages

    static func run(_ script: String, tracked: Set<String> = [], policy: SieveDuplicatePolicy = SieveDuplicatePolicy()) throws -> SieveResult {
        var input = M.input(M.dated)
        input.duplicateSeen = { tracked.contains($0) }
        return try SieveInterpreter.run(try SieveProgram.compile(script), on: input, duplicate: policy)
    }

    /// RFC 7352 §4 example 1: the same message arriving twice (through two lists) is discarded the second time.
    @Test func rfcExampleDiscardsTheSecondCopy() throws {
        let script = #"require "duplicate"; if duplicate { discard; }"#
        let first = try Self.run(script)
        #expect(first.actions == [.keep(flags: [])])
        #expect(first.duplicates.map(\.key) == ["\u{0}<kaigi-1205@example.jp>"])
        #expect(first.duplicates.first?.seconds == 7 * 86_400)
        let second = try Self.run(script, tracked: ["\u{0}<kaigi-1205@example.jp>"])
        #expect(second.actions.isEmpty, "discarded")
        #expect(second.duplicates.isEmpty, "without :last a tracked id keeps its expiry")
    }

    /// RFC 7352 §4 example 2: one notification per sender per half hour, by :uniqueid and :handle.
    @Test func rfcExampleUniqueIDAndHandle() throws {
        let script = #"""
            require ["duplicate", "variables", "fileinto"];
            if header :matches "from" "*<*>" { set "sender" "${2}"; }
            if not duplicate :seconds 1800 :handle "notify" :uniqueid "${sender}" { fileinto "通知"; }
            """#
        let first = try Self.run(script)
        #expect(M.folders(first.actions) == ["通知"])
        #expect(first.duplicates == [SieveDuplicateRecord(key: "notify\u{0}tanaka@example.jp", seconds: 1800)])
        let again = try Self.run(script, tracked: ["notify\u{0}tanaka@example.jp"])
        #expect(M.folders(again.actions).isEmpty)
        let otherHandle = try Self.run(script, tracked: ["\u{0}tanaka@example.jp"])
        #expect(M.folders(otherHandle.actions) == ["通知"], "ids are per handle")
    }

    @Test func lastRefreshesAndPeriodsAreBounded() throws {
        var policy = SieveDuplicatePolicy()
        policy.maximumPeriod = 3600
        let tracked: Set<String> = ["\u{0}Tanaka Mailer 1.0"]
        let refreshed = try Self.run(#"require "duplicate"; if duplicate :header "x-mailer" :last :seconds 86400 { keep; }"#, tracked: tracked, policy: policy)
        #expect(refreshed.duplicates.first?.seconds == 3600)
        #expect(try Self.run(#"require "duplicate"; if duplicate :header "x-none" { discard; }"#).duplicates.isEmpty, "no field: false, nothing tracked")
        var untracked = M.input(M.dated)
        untracked.duplicateSeen = nil
        let result = try SieveInterpreter.run(try SieveProgram.compile(#"require "duplicate"; if duplicate { discard; }"#), on: untracked)
        #expect(result.actions == [.keep(flags: [])])
    }

    @Test func argumentsAreChecked() {
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"if duplicate { discard; }"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "duplicate"; if duplicate :header "a" :uniqueid "b" { discard; }"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "duplicate"; if duplicate :header "a b" { discard; }"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "duplicate"; if duplicate "x" { discard; }"#) }
        #expect(SieveProgram.supportedExtensions.contains("duplicate"))
    }
}
