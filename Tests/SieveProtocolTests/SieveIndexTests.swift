import SieveProtocol
import Testing

/// RFC 5260 §6 `index`: `:index n` picks the nth field of a name, `:last` counts from the bottom
/// (the Pigeonhole table checks the same against sieve-test).
@Suite struct SieveIndexTests {
    typealias M = SieveTestMessages

    @Test func indexPicksOneFieldFromTheTopOrTheBottom() throws {
        let script = #"""
            require ["index", "fileinto"];
            if header :index 1 :contains "received" "relay2.example.net by mx" { fileinto "Top"; }
            if header :index 2 :contains "received" "relay2.example.net by mx" { fileinto "Wrong"; }
            if address :index 1 :last :domain "cc" "example.net" { fileinto "LastCc"; }
            if header :index 5 :matches "cc" "*" { fileinto "Missing"; }
            """#
        let folders = try M.run(script, M.trace).compactMap { if case .fileinto(let box, _, _) = $0 { box } else { nil } }
        #expect(folders == ["Top", "LastCc"])
    }

    @Test func indexNeedsRequireAndLastNeedsIndex() {
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"if header :index 1 "to" "x" { stop; }"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "index"; if header :last "to" "x" { stop; }"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require "index"; if header :index 0 "to" "x" { stop; }"#) }
        #expect(throws: SieveCompileError.self) { try SieveProgram.compile(#"require ["index", "envelope"]; if envelope :index 1 "to" "x" { stop; }"#) }
        #expect(SieveProgram.supportedExtensions.contains("index"))
    }
}
